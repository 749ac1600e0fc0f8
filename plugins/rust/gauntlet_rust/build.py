"""Build step: ``cargo test --no-run`` compiles everything the test step will run.

That is the lib, bins, examples, integration tests and the test builds of each, for every member
of the workspace, into the shared target dir, so the test step itself compiles nothing but doc
tests.  rustc's diagnostics come from ``--message-format=json``; cargo's own errors (a broken
Cargo.toml, an unresolvable dependency) have no JSON and are taken from its stderr.
"""

from __future__ import annotations

from gauntlet_rust import cargo, diagnostics
from harness.outcome import BuildResult, Diagnostic

ARGS = ["test", "--workspace", "--no-run", "--message-format=json"]


def build(session) -> BuildResult:
    cargo.announce_cold_build(session)
    r = cargo.run(session, ARGS, "test")
    diags = diagnostics.compiler_diagnostics(r.stdout)
    ok = r.exit_code == 0 and not r.timed_out
    if r.timed_out:
        diags.append(Diagnostic(f"cargo build timed out after {r.duration:.0f}s", file="Cargo.toml"))
    elif not ok and not any(d.severity == "error" for d in diags):
        diags += diagnostics.cargo_errors(r.stderr)
    return BuildResult(ok=ok, diagnostics=diags, log=r.stderr, duration=r.duration)
