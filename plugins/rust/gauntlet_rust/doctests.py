"""Doc tests re-run from their compiled programs, for a batch of mutant schemata.

rustdoc compiles every doc test on every ``cargo test``: 0.27 s of semver's 0.34 s run.  In a
schemata batch only the run-time switch differs between variants; the crate's API, and so the
compilation of each doc test, is the same for all of them.  So the batch's first run keeps the doc
tests rustdoc compiled (``--persist-doctests``); the other variants run ``cargo test --tests`` and
then each kept program with their switch, judged as rustdoc judges it: passed on exit 0, and for
``should_panic`` on a panic's exit code 101.  Doc tests that do not run (``ignore``, ``no_run``,
``compile_fail``) keep the first run's outcome.  When a doc test cannot be matched to its program
(the merged doc tests of edition 2024, a ``#[doc = ...]`` attribute), ``plan`` says so and every
variant runs the whole ``cargo test`` instead.
"""

from __future__ import annotations

import posixpath
import re
import signal
from dataclasses import dataclass

from gauntlet_rust import cargo
from harness.outcome import Status, TestReport, TestResult

NAME = re.compile(r"^(?P<file>.+?) - .*\(line (?P<line>\d+)\)$")
FENCE = re.compile(r"(```+|~~~+)\s*(?P<info>.*)$")
NOT_RUN = {"ignore", "no_run", "compile_fail"}
SHELL_NOTICE = re.compile(r"(?m)^(Segmentation fault|Aborted|Killed|Bus error|Illegal instruction)( \(core dumped\))?\n?\Z")


@dataclass
class DocTest:
    id: str
    program: str | None  # the kept program; None: the first run's outcome stands
    should_panic: bool
    cwd: str
    first: TestResult


def keep_dir(session) -> str:
    where = cargo.target_dir(session) or f"{session.workdir}/target"
    return f"{where}/.gauntlet-doctests"


def clear(session) -> None:
    session.exec(["rm", "-rf", keep_dir(session)], timeout=60)


def plan(session, report: TestReport) -> list[DocTest] | None:
    """The doc tests of ``report`` (a run with ``keep_doctests``) matched to their programs, or None."""
    listing = session.exec(["ls", "-1", keep_dir(session)], timeout=60)
    kept = listing.stdout.split() if listing.exit_code == 0 else []
    texts: dict[str, list[str]] = {}
    out = []
    for test_id, result in report.tests.items():
        package, sep, name = test_id.partition("/doc::")
        m = NAME.match(name) if sep else None
        if not sep:
            continue
        if m is None:
            return None
        file, line = m.group("file"), int(m.group("line"))
        if file not in texts:
            try:
                texts[file] = session.read_file(file).decode("utf-8", "replace").splitlines()
            except (OSError, ValueError):
                return None
        fence = FENCE.search(texts[file][line - 1]) if 0 < line <= len(texts[file]) else None
        if fence is None:
            return None
        info = set(re.split(r"[\s,{}.]+", fence.group("info")))
        cwd = _package_dir(session, file)
        if result.status == Status.SKIPPED or info & NOT_RUN:
            out.append(DocTest(test_id, None, False, cwd, result))
            continue
        rel = posixpath.relpath(file, cwd) if cwd != "." else file
        names = {re.sub(r"[^A-Za-z0-9]", "_", f) for f in (file, rel)}
        found = [d for d in kept if any(re.fullmatch(rf"{re.escape(n)}_{line}_\d+", d) for n in names)]
        if len(found) != 1:
            return None
        out.append(DocTest(test_id, f"{keep_dir(session)}/{found[0]}/rust_out", "should_panic" in info, cwd, result))
    return out


def _package_dir(session, file: str) -> str:
    """The directory of the Cargo.toml nearest above ``file`` (doc tests run there)."""
    parts = file.split("/")[:-1]
    while parts:
        try:
            session.read_file("/".join(parts + ["Cargo.toml"]))
            return "/".join(parts)
        except (OSError, ValueError):
            parts.pop()
    return "."


def run(session, report: TestReport, docs: list[DocTest], env: dict[str, str]) -> TestReport:
    """``report`` (a run without doc tests) with each doc test run from its program under ``env``."""
    log = []
    for doc in docs:
        if doc.program is None:
            report.tests[doc.id] = doc.first
            continue
        left = max(1.0, session.limits.timeout - report.duration)
        r = session.exec([doc.program], env=env, cwd=doc.cwd, timeout=left)
        report.duration += r.duration
        if r.timed_out:
            report.timed_out = True
            report.error = f"doc test {doc.id} timed out after {r.duration:.0f}s"
            break
        passed = r.exit_code == 101 if doc.should_panic else r.exit_code == 0
        message = None if passed else _failure(r, doc.should_panic)
        report.tests[doc.id] = TestResult(Status.PASSED if passed else Status.FAILED, r.duration, message)
        log.append(f"test {doc.id.partition('/doc::')[2]} ... {'ok' if passed else 'FAILED'}")
        if message:
            log.append(message)
    report.log += "\n" + "\n".join(log)
    return report


def _failure(r, should_panic: bool) -> str:
    """rustdoc's words for a failed doc test."""
    if should_panic:
        return f"Test didn't panic, but it's marked `should_panic` (got unexpected return code {r.exit_code})."
    status, stderr = f"exit status: {r.exit_code}", r.stderr
    if 128 < r.exit_code < 160:  # sandboxes report a signal as 128 + its number, as shells do
        try:
            status = f"signal: {r.exit_code - 128} ({signal.Signals(r.exit_code - 128).name})"
        except ValueError:
            pass
        stderr = SHELL_NOTICE.sub("", stderr)  # "Segmentation fault" from the sandbox's shell
    text = f"Test executable failed ({status}).\n"
    if r.stdout:
        text += f"\nstdout:\n{r.stdout}\n"
    if stderr:
        text += f"\nstderr:\n{stderr}\n"
    return text
