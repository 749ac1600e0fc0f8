"""Readers for the runners' machine-readable reports, one per format, all giving the same shape.

- jest ``--json`` and vitest's ``json`` reporter share one format (vitest copies jest's):
  ``testResults[]`` per file with ``assertionResults[]`` (ancestorTitles, title, status).
- node:test: the JSON lines that ``js/node_reporter.mjs`` writes from the runner's events.

Each reader returns ``Parsed``: results by id plus the files whose suite failed without a failing
test (a crashed worker, an import error, a failing hook) with the reason.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field

from gauntlet_typescript.testnames import make_id
from harness.outcome import Status, TestResult

_JEST_STATUS = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "todo": Status.SKIPPED,
    "disabled": Status.SKIPPED,
    "focused": Status.PASSED,
}


@dataclass
class Parsed:
    tests: dict[str, TestResult] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)  # file -> why its suite failed


def relative(path: str, workdir: str) -> str:
    """A runner's absolute file path as a path relative to the workspace (posix)."""
    path = path.replace("\\", "/")
    root = workdir.rstrip("/") + "/"
    if path.startswith(root):
        return path[len(root):]
    if posixpath.isabs(path):
        rel = posixpath.relpath(path, workdir)
        return path if rel.startswith("..") else rel
    return path


def _short(messages) -> str | None:
    messages = messages if isinstance(messages, list) else [messages]  # a lone string or a stray value
    text = "\n".join(str(m) for m in messages if m)
    return text[:2000] or None


def _objects(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def parse_jest_json(text: str, workdir: str) -> Parsed:
    """Jest's / vitest's ``--json`` report.  Raises ValueError (JSONDecodeError included) for text
    that is not such a report; entries of the wrong shape are skipped."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"not a jest/vitest JSON report: a {type(data).__name__} at the top level")
    out = Parsed()
    for suite in _objects(data.get("testResults")):
        file = relative(str(suite.get("name", "?")), workdir)
        any_failed = False
        for a in _objects(suite.get("assertionResults")):
            status = _JEST_STATUS.get(str(a.get("status")), Status.ERROR)  # str: a list is unhashable
            any_failed |= status == Status.FAILED
            duration = a.get("duration")
            titles = a.get("ancestorTitles") if isinstance(a.get("ancestorTitles"), list) else []
            tid = make_id(file, *map(str, titles), str(a.get("title", "")))
            out.tests[tid] = TestResult(status, duration / 1000 if isinstance(duration, (int, float)) else None,
                                        _short(a.get("failureMessages")))
        why = suite.get("testExecError") or suite.get("failureMessage") or suite.get("message")
        if isinstance(why, dict):
            why = why.get("message") or json.dumps(why)
        if suite.get("status") == "failed" and not any_failed:
            out.crashed[file] = str(why or "the test file failed outside its tests")[:2000]
    return out


def parse_node_events(text: str, workdir: str) -> Parsed:
    """Rebuild ``file > suite > test`` ids from node's completion events (children come first).

    A completed event at nesting n adopts the waiting records whose top level is n + 1.  An event
    named after its own file is node's stand-in for a test file that failed as a whole (it exited,
    or did not load): that file is reported as crashed.
    """
    out = Parsed()
    pending: dict[str, list[dict]] = {}
    for line in text.splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not (isinstance(ev, dict) and isinstance(ev.get("nesting"), int) and isinstance(ev.get("name"), str)
                and isinstance(ev.get("event"), str)):
            continue  # not one of our reporter's events (or cut short)
        raw_file = str(ev.get("file") or "?")
        file = relative(raw_file, workdir)
        nesting = ev["nesting"]
        waiting = pending.setdefault(file, [])
        for rec in waiting:
            if rec["top"] == nesting + 1:
                rec["path"].insert(0, ev["name"])
                rec["top"] = nesting
        if ev["name"] in (raw_file, file) and nesting == 0:
            if ev["event"] == "fail":
                out.crashed[file] = ev.get("message") or "the test file failed"
            continue
        if ev.get("kind") == "suite":
            if ev["event"] == "fail" and ev.get("failure") not in ("subtestsFailed", None):
                # A suite's own hook failed: its tests did not run as written.
                out.crashed.setdefault(file, f"suite {ev['name']!r}: {ev.get('message')}")
            continue
        if ev.get("skip") or ev.get("todo"):
            status = Status.SKIPPED
        elif ev["event"] == "pass":
            status = Status.PASSED
        elif ev.get("failure") in ("cancelledByParent", "hookFailed"):
            status = Status.ERROR
        else:
            status = Status.FAILED
        dur = ev.get("duration_ms")
        waiting.append({"path": [ev["name"]], "top": nesting, "status": status,
                        "duration": dur / 1000 if isinstance(dur, (int, float)) else None,
                        "message": ev.get("message") if status != Status.PASSED else None})
    for file, recs in pending.items():
        for rec in recs:
            out.tests[make_id(file, *rec["path"])] = TestResult(rec["status"], rec["duration"], rec["message"])
    return out
