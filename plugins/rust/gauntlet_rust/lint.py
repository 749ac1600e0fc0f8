"""Lint step: ``cargo clippy --tests`` with ``--message-format=json``.

Warnings and errors stay apart (a ``#![deny(clippy::...)]`` lint is an error).  ``--tests``
rather than ``--all-targets``: benches often need nightly (``#![feature(test)]``) and would turn a
clean crate into a lint failure on stable; the lib's non-test build is checked as the dependency
of the test targets.
"""

from __future__ import annotations

from gauntlet_rust import cargo, diagnostics
from harness.outcome import LintReport

ARGS = ["clippy", "--workspace", "--tests", "--message-format=json"]


def lint(session) -> LintReport:
    r = cargo.run(session, ARGS, "clippy")
    if "no such command" in r.stderr and "clippy" in r.stderr:
        return LintReport(tool="clippy", log=r.stderr, error="cargo clippy is not installed (rustup component add clippy)")
    diags = diagnostics.compiler_diagnostics(r.stdout)
    error = None
    if r.timed_out:
        error = f"cargo clippy timed out after {r.duration:.0f}s"
    elif r.exit_code != 0 and not any(d.severity == "error" for d in diags):
        error = "; ".join(d.message for d in diagnostics.cargo_errors(r.stderr))
    return LintReport(diagnostics=diags, tool="clippy", log=r.stderr, error=error)
