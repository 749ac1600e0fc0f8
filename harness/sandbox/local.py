"""The local backend: the embedded default.  Every session is a jail (``jail.py``) with one warm
agent inside it (``agent.py``) that runs each command.

What a session gives a command: a private copy of the workspace, seen read-write at its own path,
and nothing else of the host's files (read-only system directories and toolchains, private tmpfs
``/tmp`` and ``HOME``, its own ``/proc``); no network unless the session asked for it; its own PID
namespace, where the agent is PID 1: a command cannot signal or trace it, and before each command's
result is returned the agent has killed and reaped every process the command started; an
unprivileged uid (nobody when the harness is root); rlimits on data memory, file size and (when not
root) processes; a pids cgroup where the harness may create one (fork bombs); a scrubbed
environment; bounded output.

Where the jail cannot be built the session refuses to open (``JailUnavailable``, an infrastructure
error) unless the backend was made with ``unsafe_host=True``: then the same agent runs unjailed,
in PID and network namespaces where ``unshare`` may, as the calling user, and ``protections``
says so.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from harness import settings
from harness.language import Toolchain
from harness.sandbox import jail
from harness.sandbox.base import (
    ExecResult,
    Limits,
    PatchResult,
    SandboxError,
    apply_patch_via_exec,
    check_relative,
    limit_from_output,
    workspace_key,
)
from harness.sandbox.capture import BoundedCapture
from harness.sandbox.frames import take_frame

AGENT = Path(__file__).with_name("agent.py").read_text()
GRACE = 20.0  # seconds the agent may take beyond a command's timeout before the session is given up
# Variables that carry no secrets and that any toolchain may need; the plugins add their own
# (``gauntlet_toolchain``).
PASSENV = ("PATH", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE")


@functools.cache
def _unshare_prefix(network: bool) -> tuple[str, ...]:
    """Unjailed (``--unsafe-host``) runs: the PID (and network) namespace ``unshare`` may give us."""
    if not shutil.which("unshare"):
        return ()
    net = () if network else ("--net",)
    for flags in ((*net, "--pid", "--fork", "--kill-child"), (*net, "--pid", "--fork", "--kill-child", "--map-root-user"),
                  net, (*net, "--map-current-user")):
        if not flags:
            continue
        try:
            if subprocess.run(["unshare", *flags, "true"], capture_output=True, timeout=10).returncode == 0:
                return ("unshare", *flags)
        except (OSError, subprocess.SubprocessError):
            continue
    return ()


@functools.cache
def _pids_cgroup_root() -> Path | None:
    """A pids cgroup directory we may create children in (v1 'pids' hierarchy or cgroup v2), or None."""
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        controllers = base / "cgroup.subtree_control"  # cgroup v2: pids must be enabled for children
        v1 = base.name == "pids"
        if not (base / "cgroup.procs").exists() or not os.access(base, os.W_OK):
            continue
        if not v1 and "pids" not in (controllers.read_text() if controllers.exists() else ""):
            continue
        root = base / "gauntlet"
        try:
            root.mkdir(exist_ok=True)
            return root
        except OSError:
            continue
    return None


def make_pids_cgroup(limit: int | None, prefix: str = "") -> Path | None:
    """A new pids cgroup capped at ``limit`` processes, or None where none can be made."""
    root = _pids_cgroup_root()
    if root is None or limit is None:
        return None
    cg = root / (prefix + uuid.uuid4().hex[:12])
    try:
        cg.mkdir()
        (cg / "pids.max").write_text(str(limit))
        return cg
    except OSError:
        return None


def remove_cgroup(cg: Path | None) -> None:
    """Kill what is left in ``cg`` and remove it."""
    if cg is None:
        return
    for _ in range(100):
        try:
            pids = [int(p) for p in (cg / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            cg.rmdir()
            return
        except OSError:
            time.sleep(0.01)


def join_cgroup(cg: Path | None, argv: list[str]) -> list[str]:
    """``argv`` started inside ``cg`` (a shell joins it, then execs)."""
    if cg is None:
        return argv
    return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cg / "cgroup.procs"), *argv]


def _toolchain() -> Toolchain:
    """What the installed plugins' toolchains need of the host: the variables to pass in, their
    defaults once HOME moves (rustup, cargo and Go's module cache under the real home), the
    download caches a dependency step fills for the offline run after it."""
    from harness.plugins import get_plugin_manager

    return get_plugin_manager().toolchain()


class LocalBackend:
    name = "local"

    def __init__(self, unsafe_host: bool | None = None):
        """``unsafe_host``: run commands without the jail, as the calling user (trusted code only);
        default ``GAUNTLET_UNSAFE_HOST``."""
        self.unsafe_host = settings.unsafe_host() if unsafe_host is None else unsafe_host

    def open(
        self, workspace, *, language: str | None = None, image=None, limits: Limits | None = None, network: bool = False,
        cache_key: str | None = None,
    ) -> "LocalSession":
        return LocalSession(Path(workspace), limits or Limits(), network, cache_key, unsafe_host=self.unsafe_host,
                            language=language)


class _Agent:
    """The session's agent process and its frames (``agent.py`` documents the protocol)."""

    def __init__(self, argv: list[str], log: Path):
        self.lock = threading.Lock()
        self.buf = bytearray()
        self.broken: str | None = None
        with open(log, "wb") as err:
            try:
                self.proc = jail.spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                       start_new_session=True, bufsize=0, cwd="/")
            except OSError as e:
                raise SandboxError(f"cannot start the sandbox agent ({argv[0]}): {e}") from e
        try:
            kind, payload = self.next(time.monotonic() + 60)
        except (TimeoutError, EOFError):
            self.stop()
            why = log.read_text(errors="replace").strip()[-500:] or "no message"
            raise SandboxError(f"the sandbox did not start: {why}") from None
        if kind != b"r":
            self.stop()
            raise SandboxError("the sandbox agent did not start (no Python >= 3.9 in the sandbox?)")
        self.ids = json.loads(payload)

    def next(self, deadline: float) -> tuple[bytes, bytes]:
        fd = self.proc.stdout.fileno()
        while True:
            frame = take_frame(self.buf)
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def request(self, req: dict, stdin: bytes | None, out: BoundedCapture, err: BoundedCapture, deadline: float) -> dict:
        """One command; its exit record, or ``{"lost": why}`` when the agent is gone or stuck."""
        with self.lock:
            if self.broken:
                raise SandboxError(f"the sandbox was lost earlier in this session: {self.broken}")
            body = json.dumps({**req, "stdin_len": -1 if stdin is None else len(stdin)}).encode()
            try:
                self.proc.stdin.write(struct.pack(">I", len(body)) + body + (stdin or b""))
                while True:
                    kind, payload = self.next(deadline)
                    if kind == b"x":
                        return json.loads(payload)
                    (out if kind == b"o" else err).add(payload)
            except TimeoutError:
                self.broken = "the agent did not answer in time"
            except (EOFError, OSError) as e:
                self.broken = f"the agent stopped ({type(e).__name__})"
            except BaseException:  # Ctrl-C in the middle of a request: the stream is out of step
                self.broken = "interrupted"
                raise
            self.stop()
            return {"lost": self.broken}

    def stop(self) -> None:
        """EOF ends the agent and, with it, its PID namespace; a stuck one is killed."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class LocalSession:
    backend = "local"

    def __init__(self, workspace: Path, limits: Limits, network: bool, cache_key: str | None = None,
                 unsafe_host: bool = False, language: str | None = None):
        if not workspace.is_dir():
            raise SandboxError(f"workspace is not a directory: {workspace}")
        self.language = language
        self.limits = limits
        self.network = network
        self.unsafe_host = unsafe_host
        version = None if unsafe_host else jail.check()  # refuses before anything is copied
        self._cache = settings.cache_dir() / "local" / (cache_key or workspace_key(workspace))
        self._root = Path(tempfile.mkdtemp(prefix="gauntlet-local-"))
        self._closed = False
        self._cgroup: Path | None = None
        self._agent: _Agent | None = None
        try:
            try:
                shutil.copytree(workspace, self._root / "workspace", symlinks=True)
                self._cache.mkdir(parents=True, exist_ok=True)
            except (OSError, shutil.Error) as e:
                raise SandboxError(f"cannot copy workspace {workspace}: {e}") from e
            self.workdir = str(self._root / "workspace")
            self._home = str(self._root / "home")
            os.mkdir(self._home)
            self._jailed_user = not unsafe_host and not network
            if self._jailed_user:
                jail.give(self.workdir, recursive=True)
                self._give_cache(self._cache)
            toolchain = _toolchain()
            self._env, self._caches = self._base_env(toolchain), toolchain.caches
            self._cgroup = make_pids_cgroup(limits.processes + 2 if limits.processes else None)
            self._agent = _Agent(join_cgroup(self._cgroup, self._launcher()), self._root / "agent.log")
        except BaseException:
            self.close()
            raise
        uid = self._agent.ids["uid"]
        self.protections = {
            "backend": "local",
            "jail": None if unsafe_host else f"bubblewrap {version}",
            "filesystem_isolated": not unsafe_host,
            "proc_private": not unsafe_host,
            "uid": uid,
            "unprivileged_uid": uid != 0,
            "private_copy": True,
            "env_scrubbed": True,
            "network_isolated": not network and (not unsafe_host or "--net" in self._prefix),
            "pid_namespace": not unsafe_host or "--pid" in self._prefix,
            "kill_before_verdict": not unsafe_host or "--pid" in self._prefix,
            "rlimits": True,
            "pids_cgroup": self._cgroup is not None,
            "unsafe_host": unsafe_host,
        }
        if unsafe_host:
            self.protections["note"] = "--unsafe-host: commands run as the calling user and see the host file system"

    # -- setup -----------------------------------------------------------------------------------
    def _base_env(self, toolchain: Toolchain) -> dict[str, str]:
        names = set(PASSENV) | set(toolchain.passenv) | set(settings.passenv())
        env = {k: v for k, v in os.environ.items() if k in names}
        env.update({k: v for k, v in toolchain.env.items() if k not in os.environ})
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        if sys.prefix != sys.base_prefix:  # a venv's tools (python3, pytest, ruff) first, as if it were activated
            env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env["PATH"]])
        env.setdefault("LANG", "C.UTF-8")
        tmp = "/tmp" if not self.unsafe_host else str(self._root / "tmp")
        env.update(HOME=self._home, TMPDIR=tmp, GAUNTLET_SANDBOX="local")
        return env

    def _launcher(self) -> list[str]:
        lim = self.limits
        limits = ["prlimit", "--core=0"]
        if lim.memory_mb:
            limits.append(f"--data={lim.memory_mb << 20}")
        if lim.file_size_mb:
            limits.append(f"--fsize={lim.file_size_mb << 20}")
        if lim.processes and os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the pids cgroup counts
            limits.append(f"--nproc={lim.processes}")
        limits.append("--")
        python = [sys.executable, "-I", "-S", "-c", AGENT]
        if self.unsafe_host:
            self._prefix = _unshare_prefix(self.network)
            os.mkdir(self._root / "tmp")
            return [*self._prefix, *limits, *python, "-", self.workdir, str(self._cache)]
        self._prefix = ()
        # A session with the network is a dependency step of trusted code (the project before the
        # model's patch): it fills the toolchains' download caches, so it sees them read-write and
        # runs as the harness's user.  Untrusted code runs without the network, as nobody.
        user = str(jail.ids()[0]) if os.geteuid() == 0 and not self.network else "-"
        caches = tuple(self._env[v] for v in self._caches if self.network and self._env.get(v))
        spec = jail.JailSpec(writable=(self.workdir, str(self._cache)), writable_tools=caches, home=self._home,
                             network=self.network)
        env = {"PATH": self._env["PATH"], "LANG": "C.UTF-8", "HOME": self._home}
        return jail.command(spec, [*limits, *python, user, self.workdir, str(self._cache), self._home], env)

    def _give_cache(self, path: Path) -> None:
        """The cache, and what earlier unjailed runs left in it, belong to the jailed user."""
        uid, _ = jail.ids()
        jail.give(path, recursive=path.stat().st_uid != uid)

    def _pids_limit_hits(self) -> int:
        try:
            text = (self._cgroup / "pids.events").read_text() if self._cgroup else ""
            return int(text.split()[1]) if text.startswith("max") else 0
        except (OSError, IndexError, ValueError):
            return 0

    # -- protocol ------------------------------------------------------------------------------
    def exec(self, argv, timeout=None, env=None, stdin=None, cwd=None) -> ExecResult:
        if self._closed:
            raise SandboxError("session is closed")
        if isinstance(argv, str):
            raise TypeError("argv must be a list of strings, not a shell string")
        timeout = self.limits.timeout if timeout is None else timeout
        workdir = Path(self.workdir) / check_relative(cwd) if cwd else Path(self.workdir)
        full_env = {**self._env, **{str(k): str(v) for k, v in (env or {}).items()}}
        data = stdin.encode() if isinstance(stdin, str) else stdin
        out, err = BoundedCapture(self.limits.output_bytes), BoundedCapture(self.limits.output_bytes)
        hits_before = self._pids_limit_hits()
        start = time.monotonic()
        req = {"argv": [str(a) for a in argv], "env": full_env, "cwd": str(workdir),
               "timeout": timeout if timeout else 10 ** 9, "kill_bytes": self.limits.output_kill_bytes}
        r = self._agent.request(req, data, out, err, start + (timeout or 10 ** 9) + GRACE)
        duration = time.monotonic() - start
        if "lost" in r:
            raise SandboxError(f"the local sandbox failed: {r['lost']}")
        code, stderr = r["code"], err.text()
        killed = r.get("killed")
        if killed is None and code != 0 and self._pids_limit_hits() > hits_before:
            killed = "processes"
        elif killed is None:
            killed = limit_from_output(code, stderr)
        return ExecResult(exit_code=code, stdout=out.text(), stderr=stderr, duration=duration,
                          timed_out=killed == "timeout", killed_by_limit=killed, truncated=out.truncated or err.truncated)

    def _path(self, path: str) -> Path:
        p = (Path(self.workdir) / check_relative(path)).resolve()
        if not p.is_relative_to(Path(self.workdir).resolve()):
            raise ValueError(f"path leaves the workspace through a symlink: {path!r}")
        return p

    def read_file(self, path: str) -> bytes:
        return self._path(path).read_bytes()

    def write_file(self, path: str, data: bytes | str) -> None:
        p = self._path(path)
        made = [d for d in (p.parent, *p.parent.parents) if not d.exists() and d.is_relative_to(self.workdir)]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        if self._jailed_user:
            for d in (*made, p):
                jail.give(d)

    def apply_patch(self, diff: str) -> PatchResult:
        return apply_patch_via_exec(self, diff)

    def cache_dir(self, name: str) -> str:
        path = self._cache / check_relative(name)
        made = [d for d in (path, *path.parents) if not d.exists() and d.is_relative_to(self._cache)]
        path.mkdir(parents=True, exist_ok=True)
        if self._jailed_user:
            for d in reversed(made):
                jail.give(d)
            if not made:
                self._give_cache(path)
        return str(path)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._agent is not None:
            self._agent.stop()
        remove_cgroup(self._cgroup)
        shutil.rmtree(self._root, onerror=_force_remove)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _force_remove(func, path, _exc) -> None:
    """Remove files a command made read-only (chmod -R a-w) so close() always cleans up."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass
