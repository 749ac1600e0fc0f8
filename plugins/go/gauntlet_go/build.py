"""Compile the module: ``go build ./...``, then the test files (``go test -run ^$ ./...``).

The second command compiles and links every test binary without running a test (``-vet=off``: vet
is the lint step), so a patch that breaks only a ``_test.go`` file is a build failure too.  Errors
come from the compiler's ``file:line:col: message`` lines; a failed command without one (a bad
``go.mod``, an import cycle) is still a failure, with the go command's own message.
"""

from __future__ import annotations

from gauntlet_go import gocmd
from gauntlet_go.diagnostics import parse_positions
from harness.outcome import BuildResult, Diagnostic

_FAILED = ("[build failed]", "[setup failed]")


def build(session) -> BuildResult:
    pkgs = gocmd.packages(session)
    gocmd.announce_cold_cache(session)
    steps = (["build", *pkgs], ["test", "-vet=off", "-run=^$", *pkgs])
    log, duration = "", 0.0
    for args in steps:
        result = gocmd.run(session, args)
        log += f"$ go {' '.join(args)}\n{result.output}"
        duration += result.duration
        if result.timed_out:
            return BuildResult(False, [Diagnostic(f"go {args[0]} timed out")], log, duration)
        compiled = result.exit_code == 0 or (args[0] == "test" and not any(f in result.output for f in _FAILED)
                                             and "\n# " not in "\n" + result.stderr)
        if not compiled:
            diags = parse_positions(result.output, session.workdir) or [
                Diagnostic(_first_lines(result.output) or f"go {args[0]} failed (exit {result.exit_code})")]
            return BuildResult(False, diags, log, duration)
    return BuildResult(True, [], log, duration)


def _first_lines(text: str, n: int = 5) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(("ok ", "?", "FAIL"))]
    return "\n".join(lines[:n])
