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
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

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
from harness.sandbox.capture import BoundedCapture, drain

# Variables that carry no secrets and that toolchains need to be found.
PASSENV = ("PATH", "LANG", "LC_ALL", "TZ", "RUSTUP_HOME", "CARGO_HOME", "GOROOT", "GOPATH", "GOPROXY",
           "GOFLAGS", "GOMODCACHE", "JAVA_HOME", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "PIP_CERT")


# A new network namespace starts with its loopback interface down; tests that serve on 127.0.0.1
# (HTTP clients' own test servers) need it up, as Docker's "none" network has it.
_LOOPBACK_UP = 'ip link set lo up 2>/dev/null; exec "$@"'


@functools.cache
def _can_unshare_net() -> list[str] | None:
    """The command prefix that gives a child its own network namespace with only loopback, if the
    kernel lets us (loopback stays down where ``ip`` is missing or may not configure it)."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "--net"], ["unshare", "--net", "--map-current-user"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode != 0:
                continue
        except (OSError, subprocess.SubprocessError):
            continue
        with_lo = [*prefix, "/bin/sh", "-c", _LOOPBACK_UP, "sh"]
        if shutil.which("ip") and subprocess.run([*with_lo, "ip", "-o", "link", "show", "lo"], capture_output=True,
                                                 text=True, timeout=10).stdout.count(",UP") > 0:
            return with_lo
        return prefix
    return None


# PID 1 of the new PID namespace: a shell that waits for the command (so the command is not PID 1,
# whose signals the kernel filters) and reports a signal death as 128 + signal, as Docker does.
_PID_INIT = '"$@"; exit $?'


@functools.cache
def _can_unshare_pid() -> list[str] | None:
    """The prefix that runs a command in a new PID namespace (killed whole when its first process or
    the harness's ``unshare`` dies), if the kernel lets us.  Without it the command's parent is the
    harness itself, and ``kill(getppid())`` or, as root, ``kill(-1)`` would reach far past the sandbox."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "--pid", "--fork", "--kill-child"],
                   ["unshare", "--pid", "--fork", "--kill-child", "--map-current-user"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return [*prefix, "/bin/sh", "-c", _PID_INIT, "sh"]
        except (OSError, subprocess.SubprocessError):
            continue
    return None


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
        self._netns = None if network else _can_unshare_net()
        self._pidns = _can_unshare_pid()
        self._cgroup = self._make_cgroup()
        self._env = self._base_env()
        self.protections = {
            "backend": "local",
            "private_copy": True,
            "process_group_kill": True,
            "env_scrubbed": True,
            "network_isolated": self._netns is not None,
            "pid_namespace": self._pidns is not None,
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
        out: list[str] = []
        if self._cgroup is not None:
            out += ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self._cgroup / "cgroup.procs")]
        if self._netns:
            out += self._netns
        if self._pidns:
            out += self._pidns
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
        total = [0]
        lock = threading.Lock()

        def on_data(n: int) -> None:
            with lock:
                total[0] += n
                if self.limits.output_kill_bytes and total[0] > self.limits.output_kill_bytes and not limit_hit:
                    limit_hit.append("output")
                    self._kill_tree(proc.pid)

        readers = [drain(proc.stdout, out, on_data), drain(proc.stderr, err, on_data)]
        if data is not None:
            threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True).start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._kill_tree(proc.pid)
            proc.wait()
        # Nothing the command started may outlive it (and hold our pipes open).
        self._kill_tree(proc.pid)
        for r in readers:
            r.join(timeout=5)
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


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass
