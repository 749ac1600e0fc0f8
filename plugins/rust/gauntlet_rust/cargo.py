"""Running cargo inside a session: environment, the shared target dir, offline mode.

- The target dir is ``session.cache_dir("cargo-target")`` (one per workspace, persisting across
  sessions) so that a second evaluation of a one-line patch is an incremental build; see
  ``freshness`` for why that needs a source manifest.  Without a cache dir, ``./target``.
- Crates come from cargo's own registry cache (``CARGO_HOME``: the host's locally, the image's in
  Docker).  Without network cargo runs ``--offline`` (``CARGO_NET_OFFLINE``), and a crate missing
  from that cache is an infrastructure error that says to run once with ``--network`` (or to
  ``cargo fetch`` first), not a build failure of the model's code.
"""

from __future__ import annotations

import logging
import re

from gauntlet_rust import freshness
from harness.sandbox.base import ExecResult, SandboxError

# Under the ``harness`` logger, whose INFO lines the CLI prints on stderr.
log = logging.getLogger("harness.plugin.rust")

PREPARE = ("cargo fetch",)  # downloads every crate of Cargo.lock (ImageSpec.prepare)


def env(session) -> dict[str, str]:
    out = {"CARGO_TERM_COLOR": "never", "CARGO_TERM_PROGRESS_WHEN": "never", "TERM": "dumb"}
    target = target_dir(session)
    if target:
        out["CARGO_TARGET_DIR"] = target
    if not session.network:
        out["CARGO_NET_OFFLINE"] = "true"
    return out


def target_dir(session) -> str | None:
    return session.cache_dir("cargo-target")


def announce_cold_build(session) -> None:
    """Say so when a crate with dependencies is built into an empty target dir: compiling them all
    can take minutes, which would otherwise look like a hang."""
    try:
        crates = session.read_file("Cargo.lock").decode("utf-8", "replace").count("[[package]]")
    except (FileNotFoundError, ValueError, OSError):
        return
    target = target_dir(session)
    if crates <= 1 or not target:
        return
    probe = session.exec(["sh", "-c", 'ls -A "$1" | head -n 1', "probe", target], timeout=30)
    if probe.exit_code == 0 and not probe.stdout.strip():
        log.info("rust: first build in an empty target dir: compiling the %d crates of Cargo.lock (can take "
                 "minutes); later checks of this project reuse it", crates)


def run(session, args: list[str], kind: str, *, merge: bool = False, extra_env: dict | None = None,
        timeout: float | None = None) -> ExecResult:
    """``cargo <args>`` with the shared target dir kept consistent (manifest ``kind``)."""
    argv = freshness.wrap(["cargo", *args], target_dir(session), kind, merge=merge)
    result = session.exec(argv, env={**env(session), **(extra_env or {})},
                          timeout=session.limits.timeout if timeout is None else timeout)
    _raise_if_missing_tool(result)
    _raise_if_offline(session, result)
    return result


def _raise_if_missing_tool(result: ExecResult) -> None:
    if result.exit_code == 127 and "cargo" in result.output and "not found" in result.output:
        raise SandboxError(f"cargo is not installed in the sandbox: {result.output.strip()[-300:]}")


_OFFLINE = re.compile(
    r"you're using offline mode|--offline was specified|failed to download|"
    r"Could not resolve host|failed to get `[^`]+` as a dependency"
)


def _raise_if_offline(session, result: ExecResult) -> None:
    if session.network or result.exit_code == 0 or not _OFFLINE.search(result.output):
        return
    missing = re.search(r"no matching package named `([^`]+)`|failed to download `?([^`\s]+)", result.output)
    what = f" (missing: {next(g for g in missing.groups() if g)})" if missing else ""
    raise SandboxError(
        "cargo needs crates that are not in the cargo cache and the sandbox has no network"
        f"{what}: run once with --network, or `cargo fetch` in the project first"
    )
