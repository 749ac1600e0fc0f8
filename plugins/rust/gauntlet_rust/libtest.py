"""Per-test outcomes from one ``cargo test`` run (stdout and stderr merged, in order).

The run is ``cargo test --message-format=json -- -Z unstable-options --format json --report-time``:

- cargo's ``compiler-artifact`` JSON lines name every test executable with its package and target;
- cargo's status line ``Running <src> (<executable>)`` (or ``Doc-tests <crate>``) opens a suite;
- libtest's JSON events (``{"type": "test", "event": "ok" | "failed" | "ignored", ...}``) give
  each test's status, duration and captured output.

Test ids are ``<package>/<target>::<libtest name>``, where target is ``lib``, ``bin/<name>``,
``tests/<name>``, ``examples/<name>``, ``benches/<name>`` or ``doc``: for example
``geom/lib::tests::quadrants``, ``geom/tests/integration::box_edges`` and
``geom/doc::geom/src/lib.rs - manhattan (line 18)``.  The libtest name alone is what SWE-bench's
cargo parser reports.  Doc-test paths are relative to the workspace root, as current rustdoc prints
them; older rustdoc (Debian's 1.63) prints them relative to the package, so given the ``root`` the
package's directory is put in front and the ids agree across toolchains.

A suite that started but never finished (its binary crashed, aborted or was killed) has its
running tests marked ``error``; ``Suite.finished`` tells the caller to list the binary's other
tests.  A target built without libtest (``harness = false``) prints no events: it becomes one
test named after the target, passed or failed by the binary's exit.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from harness.outcome import Status, TestResult

RUNNING = re.compile(r"^\s+Running (?:unittests )?(\S.*?) \((.+)\)\s*$")
DOCTESTS = re.compile(r"^\s+Doc-tests (\S+)\s*$")
CRASH = re.compile(r"process didn't exit successfully: .*$")
MAX_MESSAGE = 2000


@dataclass
class Target:
    package: str
    label: str  # lib, bin/x, tests/x, examples/x, benches/x, doc


@dataclass
class Suite:
    target: Target
    executable: str | None  # file name of the test binary; None for doc tests
    path: str = ""  # the binary's path as cargo printed it
    started: bool = False  # libtest printed its "suite started" event
    finished: bool = False
    failed_exit: bool = False  # cargo said the binary failed
    crash: str | None = None  # cargo's "process didn't exit successfully" line
    running: set[str] = field(default_factory=set)
    doc_prefix: str = ""  # the package's directory under the workspace root, for old rustdoc's paths

    def id(self, name: str) -> str:
        if self.doc_prefix and not name.startswith(self.doc_prefix):
            name = self.doc_prefix + name
        return f"{self.target.package}/{self.target.label}::{name}"


@dataclass
class Parsed:
    tests: dict[str, TestResult] = field(default_factory=dict)
    suites: list[Suite] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # id -> libtest name
    build_failed: bool = False


def package_name(package_id: str) -> str:
    """The package name in a cargo package id, old ("geom 0.1.0 (path+file://...)") or new style."""
    if " " in package_id and "#" not in package_id.split(" ")[0]:
        return package_id.split(" ")[0]
    url, _, frag = package_id.partition("#")
    if "@" in frag:
        return frag.split("@")[0]
    return url.rstrip("/").rsplit("/", 1)[-1] if not frag or frag[0].isdigit() else frag


def label(kind: str, name: str) -> str:
    return {"lib": "lib", "rlib": "lib", "proc-macro": "lib", "cdylib": "lib", "dylib": "lib",
            "staticlib": "lib", "bin": f"bin/{name}", "test": f"tests/{name}",
            "example": f"examples/{name}", "bench": f"benches/{name}"}.get(kind, f"{kind}/{name}")


def parse(output: str, root: str | None = None) -> Parsed:
    """Per-test outcomes of a ``cargo test`` run; ``root`` is the workspace directory it ran in."""
    parsed = Parsed()
    executables: dict[str, Target] = {}  # executable file name -> target
    libs: dict[str, str] = {}  # lib crate name -> package
    dirs: dict[str, str] = {}  # package -> its directory relative to root ("" at the root)
    suite: Suite | None = None

    def close(s: Suite | None) -> None:
        if s is None:
            return
        if s.started and not s.finished:
            why = s.crash or "the test binary stopped before the suite finished"
            for name in s.running:
                parsed.tests[s.id(name)] = TestResult(Status.ERROR, message=why)
                parsed.names[s.id(name)] = name
        elif not s.started and s.executable is not None:
            whole = f"{s.target.package}/{s.target.label}"
            status = Status.FAILED if s.failed_exit else Status.PASSED
            parsed.tests[whole] = TestResult(status, message=s.crash)
            parsed.names[whole] = whole

    for line in output.splitlines():
        if line.startswith("{"):
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(msg, dict):
                continue
            if msg.get("reason") == "compiler-artifact":
                _artifact(msg, executables, libs, dirs, root)
            elif msg.get("reason") == "build-finished" and not msg.get("success", True):
                parsed.build_failed = True
            elif "type" in msg and suite is not None:
                _event(msg, suite, parsed)
            continue
        m = RUNNING.match(line)
        if m:
            close(suite)
            exe = os.path.basename(m.group(2).strip())
            target = executables.get(exe) or Target(_guess_package(exe), _guess_label(m.group(1)))
            suite = Suite(target, exe, m.group(2).strip())
            parsed.suites.append(suite)
            continue
        m = DOCTESTS.match(line)
        if m:
            close(suite)
            crate = m.group(1)
            package = libs.get(crate, crate)
            rel = dirs.get(package, "")
            suite = Suite(Target(package, "doc"), None, doc_prefix=f"{rel}/" if rel else "")
            parsed.suites.append(suite)
            continue
        if suite is not None:
            if "failed, to rerun pass" in line:
                suite.failed_exit = True
            crash = CRASH.search(line)
            if crash and suite.crash is None:
                suite.crash = crash.group(0).strip()
                suite.failed_exit = True
    close(suite)
    return parsed


def _artifact(msg: dict, executables: dict[str, Target], libs: dict[str, str], dirs: dict[str, str],
              root: str | None) -> None:
    target = msg.get("target") or {}
    if not isinstance(target, dict) or not _text(msg.get("package_id", "")) or not _text(msg.get("manifest_path", "")):
        return  # not the shape cargo writes: ignore rather than guess
    pkg = package_name(msg.get("package_id", ""))
    manifest = msg.get("manifest_path")
    if root and manifest:
        rel = os.path.relpath(os.path.dirname(manifest), root)
        dirs[pkg] = "" if rel == "." or rel.startswith("..") else rel
    kinds = target.get("kind") or ["?"]
    name = target.get("name", "?")
    exe = msg.get("executable")  # null for a library artifact
    if not isinstance(kinds, list) or not all(_text(k) for k in kinds) or not _text(name) or not (exe is None or _text(exe)):
        return
    if any(k in ("lib", "rlib", "proc-macro", "dylib", "cdylib", "staticlib") for k in kinds):
        libs[name.replace("-", "_")] = pkg
    if msg.get("executable"):
        executables[os.path.basename(msg["executable"])] = Target(pkg, label(kinds[0], name))


def _event(msg: dict, suite: Suite, parsed: Parsed) -> None:
    kind, event = msg.get("type"), msg.get("event")
    if kind == "suite":
        if event == "started":
            suite.started = True
        elif event in ("ok", "failed"):
            suite.finished = True
        return
    if kind != "test" or not isinstance(msg.get("name"), str) or not isinstance(event, str):
        return
    name = msg["name"]
    if event == "started":
        suite.running.add(name)
        return
    suite.running.discard(name)
    status = {"ok": Status.PASSED, "failed": Status.FAILED, "ignored": Status.SKIPPED,
              "timeout": None}.get(event)
    if status is None:
        return
    message = msg.get("stdout") or msg.get("message")
    message = message if _text(message) else None
    duration = msg.get("exec_time")
    duration = duration if isinstance(duration, (int, float)) and not isinstance(duration, bool) else None
    parsed.tests[suite.id(name)] = TestResult(
        status, duration=duration, message=message[-MAX_MESSAGE:] if message else None
    )
    parsed.names[suite.id(name)] = name


def _text(value) -> bool:
    return isinstance(value, str)


def _guess_package(exe: str) -> str:
    return exe.rsplit("-", 1)[0]


def _guess_label(src: str) -> str:
    stem = os.path.splitext(os.path.basename(src))[0]
    if src.startswith("tests/"):
        return f"tests/{stem}"
    return "lib" if src.endswith("lib.rs") else f"bin/{stem}"
