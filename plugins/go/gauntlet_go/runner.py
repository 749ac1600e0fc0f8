"""Run ``go test -json`` in a session and turn its events into a ``TestReport``.

- ``-vet=off``: vet findings belong to the lint step (a warning, 0.7), not to the tests.
- ``-timeout`` is a little under the session's timeout, so that Go's own alarm names the hung test
  (it fails, with the alarm's message) before the sandbox kills the whole run.
- A selection (SWE-bench style ids, ``TestX`` or ``TestX/case``) runs the selected top-level tests
  of every package (``-run '^(TestX|TestY)$'``) with all their subtests.
- Go caches successful test results by the test binary, the files and the environment variables
  the tests read, so packages that a patch does not touch report ``(cached)`` results: the same
  events, as fast as a cache hit.
"""

from __future__ import annotations

import posixpath
import re

from gauntlet_go import gocmd, testjson
from harness.outcome import Status, TestReport, TestResult

_TOP_LEVEL = re.compile(r"^func\s+((?:Test|Fuzz|Example)(?![a-z])\w*)\s*\(", re.M)
_EXAMPLE_OUTPUT = re.compile(r"//\s*(?:Unordered output|Output):")


def go_timeout(session) -> int:
    limit = float(session.limits.timeout)
    return max(1, int(limit - min(30.0, limit * 0.1)))


def run_flag(selection: list[str] | None) -> list[str]:
    if selection is None:
        return []
    tops = sorted({s.split("/", 1)[0] for s in selection if s})
    return [f"-run=^({'|'.join(re.escape(t) for t in tops)})$"] if tops else ["-run=^$"]


def run_tests(session, selection: list[str] | None, fail_fast: bool = False) -> TestReport:
    """``go test -json`` of the selected tests; ``fail_fast``: stop at the first failing test."""
    args = ["test", "-json", "-vet=off", *(["-failfast"] if fail_fast else []), f"-timeout={go_timeout(session)}s", *run_flag(selection),
            *gocmd.packages(session)]
    result = gocmd.run(session, args)
    run = testjson.parse(result.stdout)
    failed = [p for p in run.packages.values() if p.status == Status.FAILED]
    if failed:  # tests that a failed build or a dead binary never ran: listed from the sources
        declared = declared_tests(session)
        wanted = None if selection is None else {s.split("/", 1)[0] for s in selection}
        for pkg in failed:
            _mark_not_run(pkg, declared.get(pkg.path, []), wanted)
    tests = testjson.merge(list(run.packages.values()))
    log = "".join(run.log) + result.stderr
    report = TestReport(tests=tests, log=log, exit_code=result.exit_code, duration=result.duration,
                        timed_out=result.timed_out or any(p.timed_out for p in run.packages.values()))
    if not run.packages and result.exit_code != 0 and not result.timed_out:
        report.error = "go test did not run: " + (result.stderr.strip()[-1000:] or "no output")
    elif not run.packages and not result.timed_out:
        report.error = "no Go packages with tests in the workspace"
    return report


def _mark_not_run(pkg: testjson.Package, declared: list[str], wanted: set[str] | None) -> None:
    """Tests of a package that failed to build, or whose binary died first, become errors."""
    why = ("the package does not build" if pkg.build_failed
           else f"not run: the test binary exited early ({pkg.panic or 'no panic message'})")
    for name in declared:
        if name not in pkg.tests and (wanted is None or name in wanted):
            pkg.tests[name] = TestResult(Status.ERROR, None, why)
    if not pkg.tests and (wanted is None or pkg.build_failed):  # no test to blame: the package itself is the failing unit
        pkg.tests[pkg.path] = TestResult(Status.ERROR, None, why)


def declared_tests(session) -> dict[str, list[str]]:
    """Top-level tests of every package, from its ``_test.go`` files (``go list`` needs no build).

    Examples count only with an ``// Output:`` comment (others are compiled, not run).
    """
    fmt = '{{.ImportPath}}\t{{.Dir}}{{range .TestGoFiles}}\t{{.}}{{end}}{{range .XTestGoFiles}}\t{{.}}{{end}}'
    listing = gocmd.run(session, ["list", "-e", "-f", fmt, *gocmd.packages(session)], timeout=120)
    out: dict[str, list[str]] = {}
    for line in listing.stdout.splitlines():
        path, directory, *files = line.split("\t")
        names: list[str] = []
        for f in files:
            rel = posixpath.relpath(posixpath.join(directory, f), session.workdir)
            try:
                text = session.read_file(rel).decode("utf-8", "replace")
            except (OSError, ValueError):
                continue
            names += [n for n, body in _functions(text) if not n.startswith("Example") or _EXAMPLE_OUTPUT.search(body)]
        out[path] = names
    return out


def _functions(text: str):
    """(name, text up to the next top-level func) of each Test/Fuzz/Example function."""
    matches = list(_TOP_LEVEL.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        yield m.group(1), text[m.start():end]
