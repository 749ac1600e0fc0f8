"""Running the project's own test runner (vitest, jest, node:test) with a machine-readable reporter.

Each run also prints the runner's verbose text (vitest ``verbose``, jest ``--verbose``, node
``spec``) into the log, so SWE-bench's log parsers can read the same run (see ``swebench.py``).

Crashes: a file whose suite failed without a failing test (import error, exit, killed worker) has
its statically listed tests marked as errors.  When the whole runner dies before writing its
report, every test file is run again on its own, so one crashing file cannot hide the others.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from importlib import resources

from gauntlet_typescript import project
from gauntlet_typescript.reports import Parsed, parse_jest_json, parse_node_events
from gauntlet_typescript.testnames import id_file, make_id, static_tests
from harness.outcome import Status, TestReport, TestResult

REPORT_DIR = ".gauntlet-ts"
MAX_ISOLATED_FILES = 50
ENV = {"NO_COLOR": "1", "FORCE_COLOR": "0", "CI": "true"}


def helper(name: str) -> str:
    """Text of a JavaScript helper shipped in ``gauntlet_typescript/js``."""
    return resources.files("gauntlet_typescript").joinpath("js", name).read_text()


def list_files(session, suffixes) -> list[str]:
    res = session.exec(["node", "-", *suffixes], stdin=helper("list_files.cjs"), timeout=120)
    try:
        return json.loads(res.stdout) if res.exit_code == 0 else []
    except json.JSONDecodeError:
        return []


def _command(session, runner: str, pkg, files: list[str] | None, bail: bool = False) -> list[str]:
    """The runner's command line; ``bail``: stop at the first failing test (node:test has no such switch)."""
    report = f"{REPORT_DIR}/report"
    if runner == "vitest":
        return ["node_modules/.bin/vitest", "run", "--reporter=verbose", "--reporter=json",
                f"--outputFile.json={report}", *(["--bail=1"] if bail else []), *(files or [])]
    if runner == "jest":
        argv = ["node_modules/.bin/jest", "--ci", "--json", f"--outputFile={report}", "--verbose", "--no-watchman",
                *(["--bail"] if bail else [])]
        cache = session.cache_dir("jest")
        if cache:
            argv.append(f"--cacheDirectory={cache}")
        return argv + (["--runTestsByPath", *files] if files else [])
    options, paths = pkg.node_test_command()
    reporter = f"{session.workdir}/{REPORT_DIR}/node_reporter.mjs"
    parts = ["node", *options, "--test", f"--test-reporter={reporter}", f"--test-reporter-destination={report}",
             "--test-reporter=spec", "--test-reporter-destination=stdout"]
    quoted = [shlex.quote(p) for p in parts]
    # Paths from the package's script may be globs the shell expanded under `npm test`: let sh do it.
    targets = [shlex.quote(f) for f in files] if files else [
        p if any(ch in p for ch in "*?[") else shlex.quote(p) for p in _expand_dirs(session, paths)]
    return ["sh", "-c", " ".join(quoted + targets)]


_NODE_TEST_FILE = re.compile(r"(^|/)(test|test-[^/]*|[^/]*[.\-_]test)\.[cm]?js$")


def _expand_dirs(session, paths: list[str]) -> list[str]:
    """Directory arguments of ``node --test`` as the test files in them.

    Node 20 searches a directory argument for test files; Node 22 takes every argument as a file or
    glob and fails on a directory.  Listing the files ourselves (Node 20's rule: a file under a
    ``test`` directory, or named like ``x.test.js``, ``x-test.js``, ``x_test.js``, ``test-x.js``,
    ``test.js``) gives one run on both.
    """
    out = []
    for path in paths:
        found = session.exec(["find", path, "-type", "f", "(", "-name", "*.js", "-o", "-name", "*.cjs", "-o",
                              "-name", "*.mjs", ")", "-not", "-path", "*/node_modules/*"], timeout=60)
        listed = found.stdout.splitlines()
        if found.exit_code != 0 or listed in ([], [path]):  # missing, a file, or a glob: node's to judge
            out.append(path)
            continue
        files = sorted(f for f in listed if "/test/" in f"/{f}" or _NODE_TEST_FILE.search(f))
        out.extend(files or [path])
    return out


def _run_once(session, runner: str, pkg, files: list[str] | None, bail: bool = False):
    session.exec(["rm", "-rf", REPORT_DIR], timeout=60)
    session.exec(["mkdir", "-p", REPORT_DIR], timeout=60)
    if runner == "node":
        session.write_file(f"{REPORT_DIR}/node_reporter.mjs", helper("node_reporter.mjs"))
    res = session.exec(_command(session, runner, pkg, files, bail), env=ENV, timeout=session.limits.timeout)
    try:
        text = session.read_file(f"{REPORT_DIR}/report").decode("utf-8", "replace")
    except FileNotFoundError:
        return None, res
    try:
        parsed = parse_node_events(text, session.workdir) if runner == "node" else parse_jest_json(text, session.workdir)
    except ValueError:  # not a report (JSONDecodeError is one too): the caller isolates the crash
        return None, res
    if runner == "node" and not parsed.tests and not parsed.crashed and res.exit_code != 0:
        return None, res
    return parsed, res


def _isolate(session, runner: str, pkg, log: list[str], bail: bool = False) -> Parsed:
    """The runner died without a report: run each test file alone to find the one that kills it."""
    files = [f for f in list_files(session, project.TS_SUFFIXES + project.JS_SUFFIXES) if _looks_like_test(f)]
    merged = Parsed()
    for f in files[:MAX_ISOLATED_FILES]:
        parsed, res = _run_once(session, runner, pkg, [f], bail)
        log.append(f"--- {f} (alone) ---\n{res.output}")
        if parsed is None:
            merged.crashed[f] = f"the {runner} process died (exit {res.exit_code}) while running this file"
        else:
            merged.tests.update(parsed.tests)
            merged.crashed.update(parsed.crashed)
    return merged


def _looks_like_test(path: str) -> bool:
    return ".test." in path or ".spec." in path or "/__tests__/" in f"/{path}"


def _mark_crashes(session, parsed: Parsed) -> None:
    for file, why in parsed.crashed.items():
        try:
            declared = static_tests(file, session.read_file(file))
        except (FileNotFoundError, ValueError, OSError):
            declared = []
        added = False
        for tid in declared:
            if tid not in parsed.tests:
                parsed.tests[tid] = TestResult(Status.ERROR, None, why)
                added = True
        mine = [t for t in parsed.tests if id_file(t) == file]
        if not added and not any(parsed.tests[t].status == Status.FAILED for t in mine):
            parsed.tests[make_id(file)] = TestResult(Status.ERROR, None, why)


def run_tests(session, pkg, selection: list[str] | None, fail_fast: bool = False) -> TestReport:
    """Run the package's tests (``selection``: test ids, None for all); ``fail_fast``: the runner
    stops at the first failing test where it can (vitest, jest)."""
    try:
        return _run_tests(session, pkg, selection, fail_fast)
    finally:
        # Our reports and reporter must not be seen by the lint step (eslint . lints dot folders).
        session.exec(["rm", "-rf", REPORT_DIR], timeout=60)


def _run_tests(session, pkg, selection: list[str] | None, fail_fast: bool) -> TestReport:
    runner = pkg.test_runner()
    if runner is None:
        return TestReport(error="no test runner found: package.json names none of vitest, jest or `node --test`")
    if runner != "node":
        probe = session.exec(["test", "-x", f"node_modules/.bin/{runner}"], timeout=30)
        if probe.exit_code != 0:
            return TestReport(error=f"{runner} is not installed in node_modules (is it in devDependencies?)")
    start = time.monotonic()
    files = sorted({id_file(t) for t in selection}) if selection else None
    parsed, res = _run_once(session, runner, pkg, files, fail_fast)
    log = [res.output]
    if parsed is None and not res.timed_out and runner != "node":
        parsed = _isolate(session, runner, pkg, log, fail_fast) if files is None else Parsed(
            crashed={f: f"the {runner} process died (exit {res.exit_code})" for f in files})
    report = TestReport(log="\n".join(log), exit_code=res.exit_code, timed_out=res.timed_out,
                        duration=time.monotonic() - start)
    if parsed is None:
        why = "timed out" if res.timed_out else f"exited with {res.exit_code} without a report"
        report.error = f"{runner} {why}: {res.output.strip()[-1500:]}"
        return report
    _mark_crashes(session, parsed)
    tests = parsed.tests
    if selection:
        wanted = set(selection)
        tests = {t: r for t, r in tests.items() if t in wanted or id_file(t) in wanted}
    report.tests = tests
    if not tests and res.exit_code != 0:
        report.error = f"{runner} exited with {res.exit_code} and reported no tests: {res.output.strip()[-1500:]}"
    return report
