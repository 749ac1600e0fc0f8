"""``go test -json`` (test2json) events -> per-test outcomes.

Ids are test names as the testing package prints them (``TestX``, ``TestX/case_1``,
``ExampleY``), without the package: that is how SWE-bench Multilingual's Go instances name
tests (``parse_log_gotest`` reads ``--- PASS: TestX/case_1 (0.00s)`` lines).  A name that occurs in
several packages keeps its worst status.  The log is the events' text joined, i.e. exactly the
``go test -v`` output, so SWE-bench's parser reads it too.

What the events leave implicit, and how it is reported:

- a test that started (``run``) but never ended died with its binary (a panic in another goroutine,
  the ``-timeout`` alarm, ``os.Exit``): failed; a parallel test still paused then never ran: error;
- a package whose build failed (``FailedBuild``, or ``[build failed]`` / ``[setup failed]`` from
  older Go) has no test events: the runner lists its tests from the sources and marks them error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from harness.outcome import Status, TestResult

_ACTIONS = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED}
_RANK = {Status.SKIPPED: 0, Status.PASSED: 1, Status.FAILED: 2, Status.ERROR: 3}
_NOISE = re.compile(r"^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)")
_TIMEOUT = re.compile(r"panic: test timed out after \S+")


@dataclass
class Package:
    path: str
    tests: dict[str, TestResult] = field(default_factory=dict)
    running: dict[str, bool] = field(default_factory=dict)  # started, not ended -> paused (t.Parallel)
    output: list[str] = field(default_factory=list)  # package-level and test output, in order
    status: Status | None = None  # package-level verdict
    build_failed: bool = False
    elapsed: float | None = None

    @property
    def panic(self) -> str | None:
        """The first ``panic:`` line of the package's output: why its binary died."""
        return next((line.strip() for line in self.output if line.startswith("panic: ")), None)

    @property
    def timed_out(self) -> bool:
        return any(_TIMEOUT.match(line) for line in self.output)


@dataclass
class Run:
    packages: dict[str, Package] = field(default_factory=dict)
    build_output: dict[str, list[str]] = field(default_factory=dict)  # import path -> compiler lines
    log: list[str] = field(default_factory=list)

    def package(self, path: str) -> Package:
        return self.packages.setdefault(path, Package(path))


def parse(stdout: str) -> Run:
    run = Run()
    test_output: dict[tuple[str, str], list[str]] = {}
    for line in stdout.splitlines(keepends=True):
        try:
            ev = json.loads(line)
        except ValueError:
            ev = None
        if not _is_event(ev):
            run.log.append(line)  # not an event (a go command message, or a line cut short)
            continue
        action, text = ev["Action"], ev.get("Output") or ""
        if action in ("build-output", "build-fail"):
            run.build_output.setdefault(ev.get("ImportPath", ""), []).append(text)
            run.log.append(text)
            continue
        pkg = run.package(ev.get("Package", ""))
        test = ev.get("Test")
        if action == "output":
            run.log.append(text)
            pkg.output.append(text)
            if test:
                test_output.setdefault((pkg.path, test), []).append(text)
        elif test is None:
            if action in _ACTIONS:
                pkg.status, pkg.elapsed = _ACTIONS[action], ev.get("Elapsed")
            if ev.get("FailedBuild"):
                pkg.build_failed = True
        elif action in ("run", "cont"):
            pkg.running[test] = False
        elif action == "pause":
            pkg.running[test] = True
        elif action in _ACTIONS:
            pkg.running.pop(test, None)
            msg = _message(test_output.get((pkg.path, test), [])) if action == "fail" else None
            pkg.tests[test] = TestResult(_ACTIONS[action], ev.get("Elapsed"), msg)
    for pkg in run.packages.values():
        if pkg.status == Status.FAILED and any(
                "[build failed]" in line or "[setup failed]" in line for line in pkg.output):
            pkg.build_failed = True
        why = "test timed out (go test -timeout)" if pkg.timed_out else pkg.panic
        for test, paused in pkg.running.items():  # its binary died while it ran, or before it resumed
            if paused:
                pkg.tests[test] = TestResult(Status.ERROR, None, "not run: the test binary exited while "
                                             f"this parallel test waited ({why or 'no panic message'})")
            else:
                pkg.tests[test] = TestResult(Status.FAILED, None, why or "the test binary exited while the test ran")
        pkg.running.clear()
        for name, result in pkg.tests.items():
            if result.status == Status.FAILED and not result.message:
                result.message = pkg.panic or _message(test_output.get((pkg.path, name), []))
    return run


def _is_event(ev) -> bool:
    """A test2json event with the field types Go writes; anything else is kept as a log line."""
    if not isinstance(ev, dict) or not isinstance(ev.get("Action"), str):
        return False
    if any(ev.get(k) is not None and not isinstance(ev[k], str) for k in ("Package", "Test", "Output", "ImportPath")):
        return False
    elapsed = ev.get("Elapsed")
    return elapsed is None or (isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool))


def _message(lines: list[str], limit: int = 2000) -> str | None:
    text = "".join(line for line in lines if not _NOISE.match(line)).strip()
    return (text if len(text) <= limit else text[:limit] + " ...") or None


def merge(runs: list[Package]) -> dict[str, TestResult]:
    """Tests of every package by bare name; a name in several packages keeps its worst status."""
    out: dict[str, TestResult] = {}
    for pkg in runs:
        for name, result in pkg.tests.items():
            have = out.get(name)
            if have is None or _RANK[result.status] > _RANK[have.status]:
                out[name] = result
    return out
