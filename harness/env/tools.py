"""The tools of an episode: their JSON schemas (what a model is shown) and what each one does.

Every tool works through the episode's sandbox session or its language plugin, never on the host:
file reads and writes go through ``Session.read_file`` / ``write_file`` (confined to the workspace,
symlinks resolved), searches and listings run inside the sandbox, build / test / lint are the
plugin's hooks.  A tool returns an ``Observation``: text for the model, data for the trainer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable

from harness.benchmarks.swebench.guard import find_test_edits
from harness.outcome import Status
from harness.sandbox.base import patch_files

if TYPE_CHECKING:  # pragma: no cover
    from harness.env.episode import Episode


@dataclass
class Observation:
    """What a tool call gave: ``text`` for the model, ``data`` for the trainer.  ``error`` says why
    a call was malformed or refused (the call then did nothing)."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    error: str | None = None
    done: bool = False
    reward: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data, "ok": self.ok, "error": self.error, "done": self.done,
                "reward": self.reward}


class Refused(Exception):
    """A call that would leave the workspace, read git internals or edit tests: refused, recorded."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "path" | "symlink" | "git" | "test_edit"


class BadCall(Exception):
    """A call whose arguments are unusable (a file that does not exist, text not found)."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[["Episode", dict[str, Any]], Observation]

    def schema(self) -> dict[str, Any]:
        """OpenAI-style function schema, as chat templates and TRL / verl read it."""
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


def _params(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 1}


def confined(path: str) -> str:
    """``path`` made relative to the workspace, or ``Refused`` (absolute, ``..``, ``.git``)."""
    if not isinstance(path, str) or not path.strip():
        raise BadCall("path must be a non-empty string")
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or "\\" in path or "\x00" in path:
        raise Refused("path", f"path must stay inside the workspace: {path!r}")
    if ".git" in p.parts:
        raise Refused("git", f"the repository's git internals are not part of the task: {path!r}")
    return str(p)


def _read(ep: "Episode", path: str) -> bytes:
    try:
        return ep.session.read_file(path)
    except ValueError as e:
        raise Refused("symlink", str(e)) from None
    except IsADirectoryError:
        raise BadCall(f"{path} is a directory (use list_files)") from None
    except (FileNotFoundError, NotADirectoryError):
        raise BadCall(f"no such file: {path}") from None


def _guard_tests(ep: "Episode", paths: list[str]) -> None:
    if ep.options.allow_test_edits:
        return
    fake = "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n" for p in paths)
    flagged = find_test_edits(fake)
    if flagged:
        raise Refused("test_edit", "editing tests or test configuration is not allowed in this episode: "
                      + ", ".join(flagged))


def list_files(ep: "Episode", args: dict[str, Any]) -> Observation:
    path = confined(args.get("path", "."))
    depth = args.get("depth", 3)
    r = ep.exec(["find", path, "-maxdepth", str(depth), "-not", "-path", "*/.git", "-not", "-path", "*/.git/*",
                 "-not", "-path", "*/node_modules/*", "-not", "-path", "*/target/*", "-not", "-name", "__pycache__",
                 "-not", "-path", "*/__pycache__/*", "-printf", "%y %P\n"])
    if r.exit_code != 0 and not r.stdout:
        raise BadCall(f"cannot list {path}: {r.stderr.strip()[-200:]}")
    entries = []
    for line in r.stdout.splitlines():
        kind, _, name = line.partition(" ")
        if name:
            entries.append(name + ("/" if kind == "d" else ""))
    entries.sort()
    return Observation("\n".join(entries) or "(empty)", {"path": path, "entries": entries})


def read_file(ep: "Episode", args: dict[str, Any]) -> Observation:
    path = confined(args["path"])
    text = _read(ep, path).decode("utf-8", "replace")
    lines = text.splitlines()
    start = args.get("start_line", 1)
    end = min(args.get("end_line", len(lines)), len(lines))
    if start > max(1, len(lines)):
        raise BadCall(f"{path} has {len(lines)} lines; start_line {start} is past its end")
    shown = "\n".join(f"{i:>5}  {lines[i - 1]}" for i in range(start, end + 1))
    return Observation(shown or "(empty file)", {"path": path, "start_line": start, "end_line": end, "lines": len(lines)})


def search(ep: "Episode", args: dict[str, Any]) -> Observation:
    path = confined(args.get("path", "."))
    pattern = args["pattern"]
    if not pattern:
        raise BadCall("pattern must not be empty")
    mode = "-E" if args.get("regex") else "-F"
    r = ep.exec(["grep", "-rnI", mode, "--exclude-dir=.git", "--exclude-dir=node_modules", "--exclude-dir=target",
                 "-m", "50", "-e", pattern, "--", path])
    if r.exit_code == 2:
        raise BadCall(f"search failed: {r.stderr.strip()[-200:]}")
    hits = []
    for line in r.stdout.splitlines():
        m = re.match(r"^(.*?):(\d+):(.*)$", line)
        if m:
            hits.append({"file": m.group(1).removeprefix("./"), "line": int(m.group(2)), "text": m.group(3)[:300]})
    text = "\n".join(f"{h['file']}:{h['line']}: {h['text']}" for h in hits) or "no match"
    return Observation(text, {"pattern": pattern, "matches": hits})


def edit(ep: "Episode", args: dict[str, Any]) -> Observation:
    """Exact replace of ``old`` (which must occur once) by ``new``; ``old`` empty creates a new file."""
    path = confined(args["path"])
    old, new = args["old"], args["new"]
    _guard_tests(ep, [path])
    if old == "":
        try:
            _read(ep, path)
            raise BadCall(f"{path} exists: give the text to replace in 'old'")
        except BadCall as e:
            if "exists" in str(e):
                raise
        _write(ep, path, new)
        return Observation(f"created {path} ({new.count(chr(10)) + 1} lines)", {"path": path, "created": True})
    text = _read(ep, path).decode("utf-8", "replace")
    count = text.count(old)
    if count != 1:
        raise BadCall(f"'old' occurs {count} times in {path}; it must occur exactly once (add context lines)")
    at = text.index(old)
    _write(ep, path, text.replace(old, new, 1))
    line = text.count("\n", 0, at) + 1
    return Observation(f"edited {path} at line {line}", {"path": path, "line": line,
                                                         "removed": old.count("\n") + 1, "added": new.count("\n") + 1})


def _write(ep: "Episode", path: str, text: str) -> None:
    try:
        ep.session.write_file(path, text)
    except ValueError as e:
        raise Refused("symlink", str(e)) from None
    except (IsADirectoryError, NotADirectoryError) as e:
        raise BadCall(f"cannot write {path}: {e}") from None


_SYMLINK_MODE = re.compile(r"^(new file mode|new mode) 120000", re.M)


def apply_patch(ep: "Episode", args: dict[str, Any]) -> Observation:
    diff = args["patch"]
    if not diff.endswith("\n"):
        diff += "\n"
    files = patch_files(diff)
    for f in files:
        confined(f)
    if _SYMLINK_MODE.search(diff):
        raise Refused("symlink", "patches may not create symbolic links")
    _guard_tests(ep, files)
    result = ep.session.apply_patch(diff)
    if not result.applied:
        raise BadCall(result.message)
    return Observation("applied to " + ", ".join(result.files), {"files": result.files})


def build(ep: "Episode", args: dict[str, Any]) -> Observation:
    result = ep.hooks.gauntlet_build(session=ep.session)
    if result is None:
        return Observation("this language has no build step", {"ok": True})
    errors = [str(d) for d in result.diagnostics]
    text = "build ok" if result.ok else "build failed:\n" + "\n".join(errors[:50])
    return Observation(text, {"ok": result.ok, "diagnostics": errors})


def run_tests(ep: "Episode", args: dict[str, Any]) -> Observation:
    selection = args.get("tests") or None
    report = ep.hooks.gauntlet_test(session=ep.session, selection=selection, fail_fast=False)
    if report is None:
        raise BadCall(f"the {ep.language} plugin does not run tests")
    ep.metrics.test_runs += 1
    green = report.passed
    if green and ep.metrics.test_runs_to_green is None and selection is None:
        ep.metrics.test_runs_to_green = ep.metrics.test_runs
    failing = [t for t, r in report.tests.items() if r.status in (Status.FAILED, Status.ERROR)]
    counts = report.counts
    lines = [f"{counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, {counts['skipped']} skipped"]
    if report.error:
        lines.append(f"runner error: {report.error}")
    if report.timed_out:
        lines.append("the test run timed out")
    for t in failing[:30]:
        msg = " ".join((report.tests[t].message or "").replace(ep.session.workdir + "/", "").split())[:400]
        lines.append(f"FAILED {t}" + (f": {msg}" if msg else ""))
    if not report.tests and report.log:
        lines.append(report.log.replace(ep.session.workdir + "/", "")[-2000:])
    data = {"passed": green, "counts": counts, "selection": selection, "timed_out": report.timed_out,
            "error": report.error, "tests": {t: r.status.value for t, r in report.tests.items()}}
    return Observation("\n".join(lines), data)


def lint(ep: "Episode", args: dict[str, Any]) -> Observation:
    report = ep.hooks.gauntlet_lint(session=ep.session)
    if report is None:
        return Observation("no linter for this language", {"clean": True, "diagnostics": []})
    if report.error:
        return Observation(f"the linter could not run: {report.error}", {"clean": None, "error": report.error})
    diags = [str(d) for d in report.diagnostics]
    return Observation("lint clean" if report.clean else "\n".join(diags[:50]), {"clean": report.clean, "diagnostics": diags})


def git_diff(ep: "Episode", args: dict[str, Any]) -> Observation:
    diff = ep.diff()
    return Observation(diff or "(no changes)", {"files": patch_files(diff), "lines": diff_size(diff)})


def submit(ep: "Episode", args: dict[str, Any]) -> Observation:
    return ep.submit()


def diff_size(diff: str) -> int:
    """Changed lines of a unified diff (added + removed)."""
    return sum(1 for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---")))


TOOLS: dict[str, Tool] = {t.name: t for t in [
    Tool("list_files", "List files and directories of the repository (relative paths).",
         _params([], path={**_STR, "description": "directory, relative to the repository root (default .)"},
                 depth={**_INT, "maximum": 10, "description": "levels to descend (default 3)"}), list_files),
    Tool("read_file", "Read a file, or a range of its lines, with line numbers.",
         _params(["path"], path=_STR, start_line=_INT, end_line=_INT), read_file),
    Tool("search", "Search the repository's files for a text (or a regular expression with regex=true).",
         _params(["pattern"], pattern=_STR, path=_STR, regex={"type": "boolean"}), search),
    Tool("edit", "Replace the exact text 'old' (which must occur once) with 'new' in a file; "
                 "with 'old' empty, create a new file holding 'new'.",
         _params(["path", "old", "new"], path=_STR, old=_STR, new=_STR), edit),
    Tool("apply_patch", "Apply a unified diff (git style) to the repository.", _params(["patch"], patch=_STR), apply_patch),
    Tool("build", "Build / type-check / compile the project and report diagnostics.", _params([]), build),
    Tool("run_tests", "Run the test suite, or only the given test ids, and report each test's result.",
         _params([], tests={"type": "array", "items": _STR}), run_tests),
    Tool("lint", "Run the language's linter and report its findings.", _params([]), lint),
    Tool("git_diff", "Show the changes made so far, as a unified diff.", _params([]), git_diff),
    Tool("submit", "Submit the changes: the episode ends and the changes are graded.", _params([]), submit),
]}
