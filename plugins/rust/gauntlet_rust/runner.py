"""Test step: one ``cargo test`` for the whole workspace, read through libtest's JSON events.

libtest's ``--format json`` is still unstable; ``RUSTC_BOOTSTRAP=1`` lets a stable toolchain print
it (libtest checks the variable at run time, in the test binary, or in rustdoc for doc tests).  We
prefer that structured stream over parsing libtest's human text, and give the variable only to the
processes that run tests: test binaries through a cargo ``runner`` (``env RUSTC_BOOTSTRAP=1``) and
doc tests through a ``RUSTDOC`` wrapper.  Compilation never sees it: crates such as proc-macro2
rerun their build script when it changes (every dependent would rebuild at each step), and crate
code using ``#![feature]`` still fails as on stable.  Trade-off: doc tests, which rustdoc compiles
itself, may use nightly features.
"""

from __future__ import annotations

import os

from gauntlet_rust import cargo, libtest
from harness.outcome import Status, TestReport, TestResult

LIBTEST_JSON = ["-Z", "unstable-options", "--format", "json", "--report-time"]


def libtest_name(test_id: str) -> str:
    """``geom/lib::tests::x`` -> ``tests::x``; a bare libtest name (SWE-bench style) is kept."""
    head, sep, rest = test_id.partition("::")
    return rest if sep and "/" in head else test_id


def run_tests(session, selection: list[str] | None, env: dict[str, str] | None = None, *,
              doc: bool = True, keep_doctests: str | None = None) -> TestReport:
    """``cargo test`` of the workspace (``selection``: libtest names or ids); ``env`` goes to the
    tests.  ``doc=False`` leaves out doc tests (``--tests``); ``keep_doctests`` is a directory where
    rustdoc keeps the doc tests it compiles (``--persist-doctests``, see ``doctests``)."""
    filters = ["--exact", *sorted({libtest_name(s) for s in selection})] if selection else []
    runner_config = "target.'cfg(all())'.runner=['env', 'RUSTC_BOOTSTRAP=1']"
    args = ["--config", runner_config, "test", "--workspace", "--no-fail-fast", "--message-format=json",
            *([] if doc else ["--tests"]), "--", *LIBTEST_JSON, *filters]
    rustdoc = _rustdoc_wrapper(session, keep_doctests)
    r = cargo.run(session, args, "test", merge=True, extra_env={"RUSTDOC": rustdoc, **(env or {})})
    parsed = libtest.parse(r.stdout, session.workdir)
    for suite in parsed.suites:
        if suite.started and not suite.finished and suite.executable and not r.timed_out:
            _mark_never_ran(session, suite, parsed, filters)
    tests = parsed.tests
    if selection:
        wanted = set(selection)
        tests = {t: res for t, res in tests.items() if t in wanted or parsed.names.get(t) in wanted}
    report = TestReport(tests=tests, log=_human(r.stdout), exit_code=r.exit_code, timed_out=r.timed_out,
                        duration=r.duration)
    if r.timed_out:
        report.error = f"cargo test timed out after {r.duration:.0f}s"
    elif parsed.build_failed or (r.exit_code != 0 and not parsed.suites):
        report.error = "cargo test could not build or start the tests: " + _tail(report.log)
    return report


def _rustdoc_wrapper(session, keep_doctests: str | None = None) -> str:
    """A ``rustdoc`` that runs with RUSTC_BOOTSTRAP=1, kept beside the build outputs."""
    where = cargo.target_dir(session) or f"{session.workdir}/target"
    if keep_doctests:
        path = f"{where}/.gauntlet-rustdoc-keep"
        keep = f' -Z unstable-options --persist-doctests "{keep_doctests}"'
    else:
        path, keep = f"{where}/.gauntlet-rustdoc", ""
    script = f'#!/bin/sh\nRUSTC_BOOTSTRAP=1 exec rustdoc "$@"{keep}\n'
    session.exec(["sh", "-c", 'mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1" && chmod +x "$1"',
                  "write", path, script], timeout=60)
    return path


def _mark_never_ran(session, suite: libtest.Suite, parsed: libtest.Parsed, filters: list[str]) -> None:
    """A crashed binary: its tests that never reported are errors (ignored ones stay skipped)."""
    exe = suite.path if os.path.isabs(suite.path) else "./" + suite.path
    listed = session.exec([exe, "--list", "--format", "terse", *filters], timeout=120)
    ignored = session.exec([exe, "--list", "--format", "terse", "--ignored", *filters], timeout=120)
    if listed.exit_code != 0:
        return
    skip = {ln[: -len(": test")] for ln in ignored.stdout.splitlines() if ln.endswith(": test")}
    why = suite.crash or "the test binary stopped before the suite finished"
    for line in listed.stdout.splitlines():
        if not line.endswith(": test"):
            continue
        name = line[: -len(": test")]
        tid = suite.id(name)
        if tid not in parsed.tests:
            status = Status.SKIPPED if name in skip else Status.ERROR
            parsed.tests[tid] = TestResult(status, message=None if name in skip else f"never ran: {why}")
            parsed.names[tid] = name


def _human(output: str) -> str:
    """The run's log without cargo's per-artifact JSON lines (kept: status lines and test events)."""
    return "\n".join(ln for ln in output.splitlines() if not ln.startswith('{"reason":'))


def _tail(text: str, n: int = 1500) -> str:
    return text.strip()[-n:]
