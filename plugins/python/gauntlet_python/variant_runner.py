"""Runs inside the sandbox (``python3 -I -c <warm_variants' text + this file's text>``): build and
test variants of the workspace in one warm interpreter.

pytest and its plugins are imported once.  First the warm path (``warm_variants``): the suite is
collected once and each variant whose change lies inside a function runs, in a child forked from
that session, only the tests that call the function.  The others take the cold path: a child
forked from here per variant, running ``pytest.main`` on the variant's files (a fork and a
collection instead of an interpreter start and pytest's imports, half a second otherwise).  The
project is never imported in this process itself.  Standard library only, plus pytest.

Request (JSON on stdin): {"variants": [{"file", "text", "selection", "fail_fast"}], "timeout": most
seconds per variant, "clean_args": pytest's arguments for the whole suite (a variant's add ``-x``
and its selection; they also time the clean code, see ``TimeLimit``), "warm": whether to try the
warm path, "out": results path,
"log": log path}.  Results (one JSON line per variant, in the order they finish, appended to "out"):
{"index", "build_error": {...}} when the file does not compile, else {"index", "exit_code",
"timed_out", "time_limit", "seconds", "log", "junit"} and, from the warm path, "unaffected" (the
selected tests it did not run because they never call the changed function).  The workspace is
restored after each variant, whatever happened.
"""

import json
import os
import select
import signal
import sys
import time

LOG_TAIL = 20000


def compile_error(text, path):
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        return {"file": path, "line": e.lineno, "column": e.offset, "message": e.msg}
    except ValueError as e:  # null bytes
        return {"file": path, "line": None, "column": None, "message": str(e)}
    return None


def wait(pid, timeout):
    """Wait for the child up to ``timeout`` seconds: ``(True, wait status)`` when it finished in
    time, ``(False, None)`` when it is still running."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    deadline = time.monotonic() + timeout
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return True, status
            left = deadline - time.monotonic()
            if left <= 0:
                return False, None
            if fd is not None:
                select.select([fd], [], [], left)
            else:
                time.sleep(min(left, 0.01))
    finally:
        if fd is not None:
            os.close(fd)


def warm_up():
    """Import pytest's own plugins and the installed ones (entry points) once, here.  Children then
    skip pytest's entry-point scan, which reads every installed distribution's metadata (over a
    second in a large environment), and get the same plugins, already imported, as objects."""
    import importlib

    try:
        from _pytest.config import default_plugins

        for name in default_plugins:
            importlib.import_module("_pytest." + name)
    except Exception:
        pass
    plugins = []
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="pytest11"):
            try:
                plugins.append(ep.load())
            except Exception:  # pytest would fail on it too; a normal run reports that
                pass
    except Exception:
        pass
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # One run on an empty directory imports what pytest loads lazily and fills the regex cache;
    # freezing the heap then keeps the children's garbage collections (pytest runs two) short.
    import gc
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        try:
            pytest_main(["-q", "--collect-only", "-p", "no:cacheprovider", "--rootdir=" + empty, empty], plugins)
        except BaseException:
            pass
    gc.collect()
    gc.freeze()
    return plugins


def pytest_main(args, plugins):
    import pytest

    return pytest.main(list(args), plugins=list(plugins))


def run_in_child(work, timeout, log):
    """``work()`` in a forked child with its own process group and its output in ``log``; the
    child's exit status is what ``work`` returns.  ``(exit code, timed out)``."""
    pid = os.fork()
    if pid == 0:  # the child: never back into here
        code = 3
        try:
            os.setpgid(0, 0)
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            code = int(work())
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    finished, status = wait(pid, timeout)
    if not finished:
        _kill(pid)
        _, status = os.waitpid(pid, 0)
    _kill(pid)  # whatever the tests started must not outlive them
    code = os.waitstatus_to_exitcode(status)
    return (128 - code if code < 0 else code), not finished


def run_pytest(args, timeout, log, plugins):
    return run_in_child(lambda: pytest_main(args, plugins), timeout, log)


def _kill(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - LOG_TAIL))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class TimeLimit:
    """Seconds a variant's tests may run: ``factor`` times the clean suite's time in this runner
    (at least ``min_timeout``, at most the session's ``timeout``).  A mutant that loops forever is
    then stopped after a second or two rather than after the limit sized for a whole cold pytest
    run.  When the limit fires, the clean suite is timed again; if the machine has become slower,
    the variant runs again under the new limit, so load never turns a slow run into a verdict."""

    def __init__(self, req, plugins):
        self.cap, self.floor, self.factor = req["timeout"], req.get("min_timeout", 2.0), req.get("factor", 20.0)
        # Its own report and log, so timing the clean code never overwrites a variant's.
        self.clean_args = [a + ".clean" if a.startswith("--junitxml=") else a for a in req.get("clean_args") or []]
        self.log, self.plugins = req["log"] + ".clean", plugins
        self.seconds = self.calibrate()

    def calibrate(self):
        if not self.clean_args:
            return self.cap
        start = time.monotonic()
        _, timed_out = run_pytest(self.clean_args, self.cap, self.log, self.plugins)
        for a in self.clean_args:
            if a.startswith("--junitxml="):
                try:
                    os.remove(a.split("=", 1)[1])
                except OSError:
                    pass
        if timed_out:
            return self.cap
        return min(self.cap, max(self.floor, self.factor * (time.monotonic() - start)))

    def run(self, args, path, variant_text, original):
        """Run the variant's tests under the current limit; when it fires, time the clean code (the
        original file back in place) and run the variant again if the machine has slowed down."""
        limit = self.seconds
        code, timed_out = run_pytest(args, limit, self.log, self.plugins)
        if timed_out and limit < self.cap:
            write(path, original)
            fresh = self.calibrate()
            write(path, variant_text.encode("utf-8"))
            if fresh > limit:
                self.seconds = limit = fresh
                code, timed_out = run_pytest(args, limit, self.log, self.plugins)
        return code, timed_out, limit


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def run_variant(variant, req, limits):
    path = variant["file"]
    with open(path, "rb") as f:
        original = f.read()
    try:
        write(path, variant["text"].encode("utf-8"))
        error = compile_error(variant["text"], path)
        if error:
            return {"build_error": error}
        junit = variant["junit"]
        start = time.monotonic()
        code, timed_out, limit = limits.run(variant["args"], path, variant["text"], original)
        result = {"exit_code": code, "timed_out": timed_out, "time_limit": limit, "seconds": time.monotonic() - start,
                  "log": tail(req["log"]), "junit": None}
        try:
            with open(junit, encoding="utf-8", errors="replace") as f:
                result["junit"] = f.read()
            os.remove(junit)
        except OSError:
            pass
        return result
    finally:
        write(path, original)


def warm(req, plugins, emit):
    """The warm path (``warm_variants``, prepended to this text) in a child: it answers the variants
    it can through ``emit`` and leaves the others to the cold path below."""
    loop = WarmLoop(req, emit, lambda work, timeout: run_in_child(work, timeout, req["log"]), compile_error, tail)  # noqa: F821 (warm_variants is prepended at run time)
    # --capture=sys: the children's output then goes to their own log, not to a capture file shared
    # with this process (a test that needs fd-level capture fails the clean run: no warm path).
    # --tb=native: pytest's own tracebacks parse each frame's whole file to show the failing
    # statement, about 50 ms per failing test of a large test module; the messages are the same.
    args = [*req["clean_args"], "--capture=sys", "--tb=native"]
    run_in_child(lambda: pytest_main(args, [*plugins, loop]), req["timeout"] * (len(req["variants"]) + 2),
                 req["log"] + ".warm")


def main():
    req = json.load(sys.stdin)
    plugins = warm_up()
    # Only now the project's directories (PYTHONPATH=src:. for a normal run): nothing in the
    # workspace can shadow what this runner imports, and the project is imported by children only.
    root = os.getcwd()
    sys.path[:0] = [os.path.join(root, "src"), root]
    sys.dont_write_bytecode = True
    # A variant's pytest arguments: the whole suite's, then -x and its selection.
    junit = next(a.split("=", 1)[1] for a in req["clean_args"] if a.startswith("--junitxml="))
    for variant in req["variants"]:
        variant["args"] = [*req["clean_args"], *(["-x"] if variant.get("fail_fast") else []), *(variant.get("selection") or [])]
        variant["junit"] = junit
    with open(req["out"], "a", encoding="utf-8") as out:
        def emit(index, result):
            out.write(json.dumps({"index": index, **result}) + "\n")
            out.flush()

        if req.get("warm"):
            warm(req, plugins, emit)
        with open(req["out"], encoding="utf-8") as f:
            lines = f.readlines()
        done = {json.loads(line)["index"] for line in lines if line.endswith("\n")}
        if lines and not lines[-1].endswith("\n"):  # the warm child was stopped mid-line
            out.write("\n")
        limits = None
        for index, variant in enumerate(req["variants"]):
            if index not in done:
                limits = limits or TimeLimit(req, plugins)
                emit(index, run_variant(variant, req, limits))


if __name__ == "__main__":
    main()
