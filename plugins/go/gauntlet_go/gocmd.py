"""Running the go command inside a session: caches, offline mode, missing toolchain.

- ``GOCACHE`` (compiled packages and test results) and ``GOMODCACHE`` (downloaded modules) are
  ``session.cache_dir("go-build")`` and ``session.cache_dir("go-mod")``: they persist per workspace
  (and image, under Docker), so re-evaluating a patched module recompiles only what the patch
  touched.  Go's caches are keyed by content, not mtimes, so a fresh copy of the workspace reuses
  them safely.  Without a cache dir the go command's defaults apply.
- Without network ``GOPROXY=off`` and ``GOTOOLCHAIN=local``: modules come from the module cache or
  the project's ``vendor/`` only, and a module missing from both is an infrastructure error that
  says to run once with ``--network`` (or to vendor / download the modules first), not a build
  failure of the model's code.
"""

from __future__ import annotations

import logging
import re

from harness.sandbox.base import ExecResult, SandboxError

# Under the ``harness`` logger, whose INFO lines the CLI prints on stderr.
log = logging.getLogger("harness.plugin.go")

# Downloads every module the build and the tests need into the project (ImageSpec.prepare): the
# evaluation session, without network, then builds from vendor/ (go.work workspaces: go work vendor).
PREPARE = ("if [ -f go.work ]; then go work vendor; else go mod vendor; fi",)


def env(session) -> dict[str, str]:
    # -mod=mod lets a patch that imports an already-required module update go.sum from the cache;
    # a vendoring module (vendor/modules.txt, e.g. after PREPARE) keeps Go's default -mod=vendor, and
    # a go.work workspace accepts no -mod=mod.
    flags = "-buildvcs=false" if _has(session, "vendor/modules.txt", "go.work") else "-buildvcs=false -mod=mod"
    out = {"GOFLAGS": flags, "GOTELEMETRY": "off", "TERM": "dumb"}
    for var, name in (("GOCACHE", "go-build"), ("GOMODCACHE", "go-mod")):
        path = session.cache_dir(name)
        if path:
            out[var] = path
    if not session.network:
        out.update(GOPROXY="off", GOTOOLCHAIN="local", GOSUMDB="off")
    return out


def announce_cold_cache(session) -> None:
    """Say so when the build cache is empty: the first build compiles the standard library and every
    dependency (half a minute or more), which would otherwise look like a hang."""
    path = session.cache_dir("go-build")
    if not path:
        return
    probe = session.exec(["sh", "-c", 'ls -A "$1" | head -n 1', "probe", path], timeout=30)
    if probe.exit_code == 0 and not probe.stdout.strip():
        log.info("go: first build in an empty build cache: compiling the standard library and the module's "
                 "dependencies (often 30-60 s); later checks of this project reuse the cache")


def _has(session, *paths: str) -> bool:
    for path in paths:
        try:
            session.read_file(path)
            return True
        except (FileNotFoundError, ValueError, OSError):
            continue
    return False


def packages(session) -> list[str]:
    """The package patterns to build, test and lint: ``./...`` for a module; for a ``go.work``
    workspace, ``./dir/...`` of every module it uses (``./...`` at its root matches none of them)."""
    try:
        work = session.read_file("go.work").decode("utf-8", "replace")
    except (FileNotFoundError, ValueError, OSError):
        return ["./..."]
    dirs, in_block = [], False
    for line in work.splitlines():
        line = line.split("//", 1)[0].strip()
        if line.startswith("use"):
            in_block = line.rstrip().endswith("(")
            line = line[3:].strip().rstrip("(").strip()
        elif in_block and line == ")":
            in_block = False
            continue
        elif not in_block:
            continue
        if line:
            d = line.strip('"').rstrip("/")
            dirs.append("./..." if d in (".", "./") else f"./{d.removeprefix('./')}/...")
    return sorted(set(dirs)) or ["./..."]


def run(session, args: list[str], *, timeout: float | None = None) -> ExecResult:
    """``go <args>`` in the workspace root with the plugin's environment."""
    result = session.exec(["go", *args], env=env(session),
                          timeout=session.limits.timeout if timeout is None else timeout)
    if result.exit_code == 127 and "go" in result.stderr and "not found" in result.stderr:
        raise SandboxError(f"the go command is not installed in the sandbox: {result.stderr.strip()[-300:]}")
    _raise_if_offline(session, result)
    return result


_OFFLINE = re.compile(
    r"module lookup disabled by GOPROXY=off|"
    r"missing go\.sum entry.*|"
    r"dial tcp: lookup [^:]+: .*|"
    r"go: downloading \S+ \S+\n.*(?:no such host|network is unreachable)|"
    r"GOTOOLCHAIN=local"
)


def _raise_if_offline(session, result: ExecResult) -> None:
    if session.network or result.exit_code == 0:
        return
    m = _OFFLINE.search(result.output)
    if not m or "missing go.sum entry" in m.group(0):
        return
    if "GOTOOLCHAIN" in m.group(0):
        raise SandboxError(f"the module needs a newer Go toolchain than the sandbox has: {_line(result, m)}")
    raise SandboxError(
        "go needs modules that are in neither the module cache nor vendor/ and the sandbox has no "
        f"network ({_line(result, m)}): run once with --network, or `go mod vendor` in the project first"
    )


def _line(result: ExecResult, m: re.Match) -> str:
    text = result.output
    start = text.rfind("\n", 0, m.start()) + 1
    end = text.find("\n", m.start())
    return text[start:end if end >= 0 else None].strip()[:300]
