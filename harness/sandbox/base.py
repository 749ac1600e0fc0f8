"""The sandbox protocol: one interface that every backend (local, docker, ...) implements.

A backend ``open``s a workspace and returns a ``Session``: a private copy of the workspace in which
commands run with limits.  Everything a plugin does goes through a session, so plugin code does not
know where it runs.

Errors: ``SandboxError`` for infrastructure failures (the backend cannot start, the copy fails).
A command that fails, times out or hits a limit is *not* an error: it is an ``ExecResult``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

from harness.errors import InfraError


class SandboxError(InfraError):
    """The sandbox itself failed (not the code running in it): an infrastructure error."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for every command of a session.  ``None`` disables a limit.

    - ``timeout``: default wall-clock seconds per command; the whole process tree is killed.
    - ``memory_mb``: memory per command tree (address-space data limit locally, cgroup in Docker).
    - ``processes``: processes/threads the command may hold at once (fork bombs).
    - ``file_size_mb``: largest file a command may write.
    - ``output_bytes``: bytes of stdout and of stderr kept per command (head and tail; the middle
      is replaced by a marker).  ``output_kill_bytes``: total output after which the command is
      killed (``killed_by_limit="output"``).
    """

    timeout: float = 600.0
    memory_mb: int | None = 4096
    processes: int | None = 512
    file_size_mb: int | None = 1024
    output_bytes: int = 4 * 1024 * 1024
    output_kill_bytes: int | None = 1024 * 1024 * 1024


@dataclass
class ExecResult:
    """What one command did.  ``killed_by_limit`` names the limit that stopped it, if any:
    "timeout", "memory", "output", "processes" or "file_size"."""

    exit_code: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    killed_by_limit: str | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# What a runtime prints when an rlimit (not a signal) stopped it: the allocation or the write fails
# and the program exits with an error (Python and Go ignore SIGXFSZ, Node and Rust report a failed
# allocation).  Lower case; matched only when the command failed.
LIMIT_MESSAGES = {
    "memory": ("memoryerror", "cannot allocate memory", "out of memory", "memory allocation of",
               "array buffer allocation failed", "std::bad_alloc"),
    "file_size": ("file too large", "file size limit exceeded"),
}


def limit_from_output(exit_code: int, stderr: str) -> str | None:
    """The limit a failed command's own error message names ("memory", "file_size"), or None."""
    if exit_code == 0:
        return None
    text = stderr.lower()
    for limit, messages in LIMIT_MESSAGES.items():
        if any(m in text for m in messages):
            return limit
    return None


@dataclass
class PatchResult:
    applied: bool
    message: str = ""
    files: list[str] = field(default_factory=list)


@runtime_checkable
class Session(Protocol):
    """An open sandbox with a private copy of the workspace at ``workdir``.

    - ``exec(argv, timeout=None, env=None, stdin=None, cwd=None)``: run ``argv`` (a list, never a
      shell string) in ``cwd`` (relative to ``workdir``); ``env`` is added to a scrubbed base
      environment; ``stdin`` is text or bytes fed to the command; ``timeout`` overrides the
      session's default.  Never raises for the command's own failures.
    - ``read_file(path)`` / ``write_file(path, data)``: bytes in and out, ``path`` relative to
      ``workdir``; paths that leave the workspace raise ``ValueError``.  ``read_file`` raises
      ``FileNotFoundError`` for a missing file.
    - ``apply_patch(diff)``: apply a unified diff (git style or plain); never raises for a patch
      that does not apply, it returns ``PatchResult(applied=False, message=...)``.
    - ``cache_dir(name)``: an absolute path, inside the sandbox, of a directory that persists
      across sessions of the same workspace on the same backend (build caches: a cargo target dir,
      GOCACHE, the npm cache), or None where the backend keeps none.  Caches must only speed
      things up: a plugin must give the same outcome with an empty one.
    - ``close()``: stop every process the session started and remove its copy.  Idempotent.
    - ``language``: the language the session was opened for (``Backend.open(..., language=...)``),
      or None for a session that no language plugin works in; the core calls the per-language
      hooks of this language's plugin with the session.
    - ``network``: whether commands may reach the network (off unless the user opted in).
    - ``protections``: which isolation measures are really active (backend-specific keys).
    """

    backend: str
    language: str | None
    workdir: str
    limits: Limits
    network: bool
    protections: dict

    def exec(self, argv, timeout=None, env=None, stdin=None, cwd=None) -> ExecResult: ...
    def read_file(self, path: str) -> bytes: ...
    def write_file(self, path: str, data: bytes | str) -> None: ...
    def apply_patch(self, diff: str) -> PatchResult: ...
    def cache_dir(self, name: str) -> str | None: ...
    def close(self) -> None: ...


class Backend(Protocol):
    """``open(workspace, language=None, image=None, limits=None, network=False, cache_key=None)``:
    a new session.

    ``language`` becomes the session's ``language`` (None: a session for plain commands, which no
    plugin hook is called with); ``image`` is an ``ImageSpec`` (built and cached by the backend) or
    an image name, where the backend runs images; ``cache_key`` names the persistent caches of
    ``cache_dir`` (default: one per workspace path) so that callers can share them, or keep them
    apart per worker.
    """

    name: str

    def open(self, workspace, *, language: str | None = None, image=None, limits: Limits | None = None,
             network: bool = False, cache_key: str | None = None) -> Session: ...


def workspace_key(workspace: Path) -> str:
    """A short stable key for a workspace (its resolved path), naming its caches."""
    resolved = str(Path(workspace).resolve())
    return f"{Path(resolved).name}-{hashlib.sha256(resolved.encode()).hexdigest()[:12]}"


def check_relative(path: str) -> str:
    """Reject paths that would leave the workspace; return the normalised relative path."""
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise ValueError(f"path must stay inside the workspace: {path!r}")
    return str(p)


_DIFF_PATH = re.compile(r"^(?:\+\+\+|---) (?:[ab]/)?(\S+)", re.M)


def validate_patch(diff: str) -> str | None:
    """Return why ``diff`` is not a usable unified diff, or None when it looks like one."""
    if "\x00" in diff:
        return "the patch is binary data, not a unified diff"
    if not diff.strip():
        return "the patch is empty"
    if not re.search(r"^(@@ |GIT binary patch|diff --git )", diff, re.M):
        return "the patch has no hunks: not a unified diff"
    return None


def patch_files(diff: str) -> list[str]:
    """Files a unified diff touches (new side), for reporting."""
    names = [m for m in _DIFF_PATH.findall(diff) if m != "/dev/null"]
    return sorted(set(names))


def apply_patch_via_exec(session: Session, diff: str) -> PatchResult:
    """Shared ``apply_patch``: ``git apply`` inside the sandbox, trying -p1 (git style) then -p0.

    ``git apply`` works outside a git repository, handles renames and binary git patches, and
    refuses partial application, so a failed patch leaves the workspace untouched.
    """
    problem = validate_patch(diff)
    if problem:
        return PatchResult(False, problem)
    errors = []
    for strip in ("-p1", "-p0"):
        check = session.exec(["git", "apply", "--check", strip, "-"], stdin=diff, timeout=60)
        if check.exit_code == 0:
            done = session.exec(["git", "apply", strip, "-"], stdin=diff, timeout=60)
            if done.exit_code == 0:
                return PatchResult(True, "", patch_files(diff))
            errors.append(done.stderr.strip())
            break
        if check.exit_code == 127 or "No such file" in check.stderr and "git" in check.stderr:
            return PatchResult(False, "git is not available in the sandbox to apply the patch")
        errors.append(check.stderr.strip())
    return PatchResult(False, "the patch does not apply: " + (errors[0] if errors else "unknown error"))
