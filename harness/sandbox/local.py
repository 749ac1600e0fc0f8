"""The local backend: the embedded default.  Fast, with weaker isolation than Docker.

What it does: a private copy of the workspace in a temporary directory; every command in a new
session / process group, killed whole on timeout and when it returns (nothing outlives it), and in
its own PID namespace where the kernel allows (it cannot signal the harness or other processes of
the user, and whatever it leaves behind dies with the namespace); rlimits
on data memory, processes and file size (through util-linux ``prlimit``, because ``preexec_fn`` is
unsafe in the threaded reward engine); a pids cgroup where the harness may create one (root ignores
RLIMIT_NPROC); a scrubbed environment; no network where the kernel allows a new network namespace.

What it does not: hide the host's file system.  Commands run as the calling user and can read and
write whatever that user can.  ``protections`` reports what is really active; use the docker backend
for untrusted code that must not see the host.
"""

from __future__ import annotations

import functools
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

from harness.sandbox.base import (
    ExecResult,
    Limits,
    PatchResult,
    SandboxError,
    apply_patch_via_exec,
    cache_root,
    check_relative,
    limit_from_output,
    workspace_key,
)
from harness.sandbox.capture import CHUNK, BoundedCapture

# Variables that carry no secrets and that toolchains need to be found.
PASSENV = ("PATH", "LANG", "LC_ALL", "TZ", "RUSTUP_HOME", "CARGO_HOME", "GOROOT", "GOPATH", "GOPROXY",
           "GOFLAGS", "GOMODCACHE", "JAVA_HOME", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "PIP_CERT")


def _unshare_works(flags: tuple[str, ...]) -> tuple[str, ...] | None:
    """``flags`` as given, or with ``--map-current-user`` where an unprivileged user needs it, if
    ``unshare`` accepts them on this kernel; otherwise None."""
    for extra in ((), ("--map-current-user",)):
        try:
            if subprocess.run(["unshare", *flags, *extra, "true"], capture_output=True, timeout=10).returncode == 0:
                return (*flags, *extra)
        except (OSError, subprocess.SubprocessError):
            continue
    return None


@functools.cache
def _parent_death_kill() -> list[str]:
    """``setpriv --pdeathsig KILL`` where util-linux has it: the command (and, through unshare's
    ``--kill-child``, its whole PID namespace) dies with the harness even when the harness is
    SIGKILLed and its cleanup never runs; the command runs in its own session, out of reach of a
    signal to the harness's process group."""
    if not shutil.which("setpriv"):
        return []
    try:
        ok = subprocess.run(["setpriv", "--pdeathsig", "KILL", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return ["setpriv", "--pdeathsig", "KILL"] if ok else []


@functools.cache
def _namespaces(isolate_net: bool) -> tuple[tuple[str, ...], bool, bool, bool]:
    """The ``unshare`` flags that give a command its own PID namespace and, when asked, its own
    network namespace: ``(flags, net_isolated, pid_namespace, loopback_up)``.

    The PID namespace keeps ``kill(getppid())`` and, as root, ``kill(-1)`` inside the sandbox, and
    ``--kill-child`` ends the whole namespace when the harness's ``unshare`` dies.  A new network
    namespace starts with loopback down; tests that serve on 127.0.0.1 need it up, as Docker's
    "none" network has it, so we bring it up where ``ip`` may."""
    if not shutil.which("unshare"):
        return (), False, False, False
    net = _unshare_works(("--net",)) if isolate_net else None
    pid = _unshare_works(("--pid", "--fork", "--kill-child"))
    if net and pid:
        both = _unshare_works(("--net", "--pid", "--fork", "--kill-child"))
        net, pid = (both, both) if both else (None, pid)  # keep the PID namespace if they won't mix
    flags = net or pid or ()
    lo_up = False
    if net and shutil.which("ip"):
        probe = subprocess.run(["unshare", *flags, "/bin/sh", "-c", "ip link set lo up 2>/dev/null; ip -o link show lo"],
                               capture_output=True, text=True, timeout=10)
        lo_up = ",UP" in probe.stdout
    return flags, bool(net), bool(pid), lo_up


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


def _host_toolchain_env() -> dict[str, str]:
    """Keep toolchains and download caches that live under the real home (rustup, cargo, Go's module
    cache) working once HOME moves: a dependency step and the offline run after it share them."""
    env: dict[str, str] = {}
    home = Path.home()
    if "RUSTUP_HOME" not in os.environ and (home / ".rustup").is_dir():
        env["RUSTUP_HOME"] = str(home / ".rustup")
    if "CARGO_HOME" not in os.environ and (home / ".cargo").is_dir():
        env["CARGO_HOME"] = str(home / ".cargo")
    if "GOPATH" not in os.environ and "GOMODCACHE" not in os.environ:
        env["GOMODCACHE"] = str(home / "go" / "pkg" / "mod")
    return env


class LocalBackend:
    name = "local"

    def open(
        self, workspace, *, image=None, limits: Limits | None = None, network: bool = False, cache_key: str | None = None
    ) -> "LocalSession":
        return LocalSession(Path(workspace), limits or Limits(), network, cache_key)


class LocalSession:
    backend = "local"

    def __init__(self, workspace: Path, limits: Limits, network: bool, cache_key: str | None = None):
        if not workspace.is_dir():
            raise SandboxError(f"workspace is not a directory: {workspace}")
        self.language: str | None = None
        self.limits = limits
        self._cache_key = cache_key or workspace_key(workspace)
        self.network = network
        self._root = Path(tempfile.mkdtemp(prefix="gauntlet-local-"))
        self._closed = False
        try:
            shutil.copytree(workspace, self._root / "workspace", symlinks=True)
        except (OSError, shutil.Error) as e:
            shutil.rmtree(self._root, ignore_errors=True)
            raise SandboxError(f"cannot copy workspace {workspace}: {e}") from e
        for d in ("home", "tmp"):
            (self._root / d).mkdir()
        self.workdir = str(self._root / "workspace")
        self._unshare, net_isolated, self._pid_namespace, self._loopback_up = _namespaces(not network)
        self._cgroup = self._make_cgroup()
        self._env = self._base_env()
        self.protections = {
            "backend": "local",
            "private_copy": True,
            "process_group_kill": True,
            "env_scrubbed": True,
            "network_isolated": net_isolated,
            "pid_namespace": self._pid_namespace,
            "rlimits": bool(shutil.which("prlimit")),
            "pids_cgroup": self._cgroup is not None,
            "filesystem_isolated": False,
            "note": "local backend: commands run as the calling user and can read the host file system",
        }

    # -- environment and wrappers -------------------------------------------------------------
    def _base_env(self) -> dict[str, str]:
        extra = os.environ.get("GAUNTLET_PASSENV", "")
        names = set(PASSENV) | {n for n in extra.split(",") if n}
        env = {k: v for k, v in os.environ.items() if k in names}
        env.update(_host_toolchain_env())
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        env.update(HOME=str(self._root / "home"), TMPDIR=str(self._root / "tmp"), GAUNTLET_SANDBOX="local")
        return env

    def _make_cgroup(self) -> Path | None:
        root = _pids_cgroup_root()
        if root is None or self.limits.processes is None:
            return None
        cg = root / uuid.uuid4().hex[:12]
        try:
            cg.mkdir()
            (cg / "pids.max").write_text(str(self.limits.processes))
            return cg
        except OSError:
            return None

    def _wrap(self, argv: list[str]) -> list[str]:
        lim = self.limits
        # One shell inside one ``unshare`` joins the pids cgroup, brings loopback up and runs the
        # command: each extra exec on this hot path costs milliseconds.  In a PID namespace the
        # shell is PID 1 and waits for the command (whose signals the kernel would otherwise
        # filter), reporting a signal death as 128 + signal, as Docker does.
        script = 'echo 0 > "$0" || exit 125; ' if self._cgroup is not None else ""
        script += "ip link set lo up 2>/dev/null; " if self._loopback_up else ""
        script += '"$@"; exit $?' if self._pid_namespace else 'exec "$@"'
        out = list(_parent_death_kill())
        if self._unshare:
            out += ["unshare", *self._unshare]
        if script != 'exec "$@"':
            out += ["/bin/sh", "-c", script, str(self._cgroup / "cgroup.procs") if self._cgroup else "sh"]
        if shutil.which("prlimit"):
            out += ["prlimit", "--core=0"]
            if lim.memory_mb:
                out.append(f"--data={lim.memory_mb * 1024 * 1024}")
            if lim.processes:
                out.append(f"--nproc={lim.processes}")
            if lim.file_size_mb:
                out.append(f"--fsize={lim.file_size_mb * 1024 * 1024}")
            out.append("--")
        return out + argv

    def _kill_tree(self, pgid: int) -> None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._kill_cgroup()

    def _kill_cgroup(self) -> None:
        """Kill every process in the session's cgroup, including daemons that left the process group."""
        if self._cgroup is not None:
            for _ in range(20):
                try:
                    pids = [int(p) for p in (self._cgroup / "cgroup.procs").read_text().split()]
                except OSError:
                    return
                if not pids:
                    return
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.005)

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
        full_env = {**self._env, **(env or {})}
        data = stdin.encode() if isinstance(stdin, str) else stdin
        hits_before = self._pids_limit_hits()
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                self._wrap([str(a) for a in argv]),
                cwd=workdir,
                env=full_env,
                stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError as e:
            return ExecResult(127, "", f"command not found: {argv[0]} ({e})", time.monotonic() - start)
        except OSError as e:
            return ExecResult(126, "", f"cannot run {argv[0]}: {e}", time.monotonic() - start)

        limit_hit: list[str] = []
        out, err = BoundedCapture(self.limits.output_bytes), BoundedCapture(self.limits.output_bytes)
        kill_at = self.limits.output_kill_bytes

        def on_output(total: int) -> None:
            if kill_at and total > kill_at and not limit_hit:
                limit_hit.append("output")
                self._kill_tree(proc.pid)

        timed_out = _communicate(proc, data, out, err, start + timeout if timeout else None, on_output,
                                 lambda: self._kill_tree(proc.pid))
        duration = time.monotonic() - start
        code = proc.returncode
        exit_code = 128 - code if code < 0 else code
        stderr = err.text()
        killed = "timeout" if timed_out else (limit_hit[0] if limit_hit else None)
        if killed is None:
            if code in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ):
                killed = "file_size"
            elif self._pids_limit_hits() > hits_before:
                killed = "processes"
            else:
                killed = limit_from_output(code, stderr)
        return ExecResult(
            exit_code=exit_code,
            stdout=out.text(),
            stderr=stderr,
            duration=duration,
            timed_out=timed_out,
            killed_by_limit=killed,
            truncated=out.truncated or err.truncated,
        )

    def _path(self, path: str) -> Path:
        p = (Path(self.workdir) / check_relative(path)).resolve()
        if not p.is_relative_to(Path(self.workdir).resolve()):
            raise ValueError(f"path leaves the workspace through a symlink: {path!r}")
        return p

    def read_file(self, path: str) -> bytes:
        return self._path(path).read_bytes()

    def write_file(self, path: str, data: bytes | str) -> None:
        p = self._path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)

    def apply_patch(self, diff: str) -> PatchResult:
        return apply_patch_via_exec(self, diff)

    def cache_dir(self, name: str) -> str:
        path = cache_root() / "local" / self._cache_key / check_relative(name)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._cgroup is not None:
            self._kill_cgroup()
            for _ in range(100):
                try:
                    self._cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.01)
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


def _communicate(proc: subprocess.Popen, data: bytes | None, out: BoundedCapture, err: BoundedCapture,
                 deadline: float | None, on_output: Callable[[int], None], kill: Callable[[], None]) -> bool:
    """Feed stdin, capture both streams and wait for exit or the deadline, in this thread; True when
    the deadline fired.  Everything the command left behind is killed once it exits.

    Not ``Popen.communicate``: it keeps all output in memory, and ``Popen.wait(timeout)`` polls with
    sleeps that cost several milliseconds per command; one ``select`` on the pipes and a pidfd costs
    none, and the sandbox's hot path is thousands of short commands."""
    sel = selectors.DefaultSelector()
    captures = {proc.stdout: out, proc.stderr: err}
    for stream in captures:
        os.set_blocking(stream.fileno(), False)
        sel.register(stream, selectors.EVENT_READ)
    if data is not None:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE)
    try:
        pidfd = os.pidfd_open(proc.pid)
        sel.register(pidfd, selectors.EVENT_READ)
    except (AttributeError, OSError):  # no pidfds (old kernel): poll for the exit instead
        pidfd = None
    streams = set(captures) | ({proc.stdin} if data is not None else set())
    view, sent, total, timed_out, exited = memoryview(data or b""), 0, 0, False, False

    def on_exit() -> None:
        nonlocal exited, deadline
        exited = True
        kill()  # nothing the command started may outlive it (and hold our pipes open)
        grace = time.monotonic() + 5  # for what a straggler may still write
        deadline = grace if deadline is None else min(deadline, grace)
        if pidfd is not None and pidfd in sel.get_map():
            sel.unregister(pidfd)

    try:
        while streams or not exited:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                if exited:  # a straggler outside our reach still holds a pipe: stop reading it
                    break
                timed_out = True
                kill()
                proc.wait()
                on_exit()
                continue
            wait = None if deadline is None else deadline - now
            if pidfd is None and not exited:
                wait = 0.05 if wait is None else min(wait, 0.05)
            for key, _ in sel.select(wait):
                obj = key.fileobj
                if obj is pidfd:
                    continue  # handled by the poll below
                if obj is proc.stdin:
                    try:
                        sent += os.write(obj.fileno(), view[sent:sent + 65536])
                    except BlockingIOError:
                        continue
                    except OSError:  # the command closed its stdin
                        sent = len(view)
                    if sent >= len(view):
                        sel.unregister(obj)
                        streams.discard(obj)
                        _close(obj)
                    continue
                try:
                    chunk = os.read(obj.fileno(), CHUNK)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(obj)
                    streams.discard(obj)
                    continue
                captures[obj].add(chunk)
                total += len(chunk)
                on_output(total)
            if not exited and proc.poll() is not None:
                on_exit()
    finally:
        sel.close()
        if pidfd is not None:
            os.close(pidfd)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            _close(stream)
    return timed_out


def _close(stream) -> None:
    try:
        if stream is not None:
            stream.close()
    except OSError:
        pass
