"""The fast Python executor: verdicts, limits, and hostile solutions that must not break it."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from harness.benchmarks.executor import ExecLimits, Executor

HOSTILE = Path(__file__).parent / "hostile" / "python_solutions"


@pytest.fixture(scope="module")
def ex():
    with Executor(1, limits=ExecLimits(memory_mb=1024, processes=32, output_bytes=1 << 20)) as e:
        yield e


def test_basic_verdicts(ex):
    assert ex.run_script("assert sum(range(4)) == 6")["verdict"] == "passed"
    r = ex.run_script("assert 1 == 2, 'no'")
    assert (r["verdict"], r["result"]) == ("runtime_error", "failed: no")
    r = ex.run_tests("print(int(input()) * 2)", ["3\n", "4\n"], ["6\n", "9\n"])
    assert (r["verdict"], r["results"], r["failed_test"], r["output"]) == ("wrong_answer", [True, -2], 1, "8\n")


def test_expected_outputs_never_reach_the_child(ex):
    code = "import gc\nprint(any(isinstance(o, str) and 'SECRET-EXPECTED' in o for o in gc.get_objects()))"
    r = ex.run_tests(code, ["\n"], ["SECRET-EXPECTED"])
    assert r["output"].strip() == "False"


@pytest.mark.parametrize(
    "name, verdict, limit",
    [
        ("infinite_loop.py", "timeout", None),
        ("fork_bomb.py", "runtime_error", "processes"),
        ("huge_allocation.py", "runtime_error", "memory"),
        ("output_flood.py", "runtime_error", "output"),
        ("network_call.py", "runtime_error", None),
        ("write_home.py", "runtime_error", None),
        ("escape_daemon.py", "passed", None),
    ],
)
def test_hostile_solution_gets_a_verdict_and_the_executor_keeps_serving(ex, name, verdict, limit):
    r = ex.run_script((HOSTILE / name).read_text(), timeout=2.0)
    assert r["verdict"] == verdict, r
    if limit:
        assert r.get("limit") == limit, r
    if name == "network_call.py" and ex.protections["network_isolated"]:
        assert "unreachable" in r["result"] or "Errno" in r["result"], r
    if name == "write_home.py":
        home = "/scratch/" if ex.protections["filesystem_isolated"] else "gauntlet-exec-"
        assert home in r["result"]  # HOME was the scratch directory
        assert not (Path.home() / "gauntlet-hostile-marker").exists()
    after = ex.run_tests("print(input())", ["ok\n"], ["ok\n"])
    assert after["verdict"] == "passed"
    assert ex.restarts == 0


def test_killing_the_parent_is_contained(ex):
    r = ex.run_script((HOSTILE / "kill_parent.py").read_text())
    assert r["verdict"] in ("passed", "runtime_error"), r
    if ex.protections["pid_namespace"]:
        assert "SIGKILL" in r.get("error", ""), r  # killpg(0) killed the solution itself, not the worker
        assert ex.restarts == 0
    assert ex.run_script("pass")["verdict"] == "passed"


def test_a_dead_worker_is_restarted_and_reported():
    with Executor(1) as e:
        bwrap = e._all[0].io.proc
        worker = int(subprocess.run(["pgrep", "-P", str(bwrap.pid)], capture_output=True, text=True).stdout.split()[0])
        os.kill(worker, signal.SIGKILL)  # the jail's PID 1, from outside: the namespace ends with it
        bwrap.wait()
        r = e.run_script("pass")
        assert r["verdict"] == "runtime_error" and r["worker_restarted"]
        assert e.run_script("pass")["verdict"] == "passed"
        assert e.restarts == 1


def test_functional_tuple_and_errors(ex):
    code = "class Solution:\n    def f(self, a, b):\n        return (a + b, a * b)\n"
    assert ex.run_tests(code, ["2\n3"], ["[5, 6]"], fn_name="f")["verdict"] == "passed"
    r = ex.run_tests(code, ["2\n3"], ["[5, 6]"], fn_name="g")
    assert (r["verdict"], r["results"]) == ("compile_error", [-4])
    r = ex.run_tests("class Solution:\n    def f(self, a):\n        return [1][a]\n", ["5"], ["1"], fn_name="f")
    assert (r["verdict"], r["error_code"]) == ("runtime_error", -4) and "IndexError" in r["error"]


def test_a_request_dies_with_a_killed_harness():
    """SIGKILL leaves the harness no clean-up; the worker sees its stdin close and ends the request's
    processes at once, not at their timeout."""
    import sys
    import time

    seconds = 3000 + os.getpid() % 1000  # the solution computes it: no other command line names it
    marker = f"^sleep {seconds}$"
    solution = f"import subprocess\nsubprocess.run(['sleep', str(3000 + {seconds - 3000})])\n"
    harness = subprocess.Popen([sys.executable, "-c", (
        "from harness.benchmarks.executor import Executor\n"
        f"Executor(1).run_script({solution!r}, timeout=3000)\n")])

    def running() -> bool:
        return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0

    deadline = time.monotonic() + 30
    while not running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(), "the solution never started"
    harness.kill()
    harness.wait()
    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = running()
    subprocess.run(["pkill", "-9", "-f", marker])
    assert not left, "the solution's processes outlived the harness"


def test_emptying_tmp_between_requests_stays_out_of_other_mounts(tmp_path):
    """The worker empties the jail's /tmp after each request; a harness installed under /tmp is bound
    into it.  The wipe removes what the code left and never walks into a mount (a writable one here,
    so that crossing would show as lost files; read-only, it cost a second per request), and a tree
    left deeper than Python's recursion limit goes too."""
    import shutil
    import sys

    if not shutil.which("bwrap"):
        pytest.skip(reason="bubblewrap is not installed")
    keep = tmp_path / "keep"
    (keep / "deep").mkdir(parents=True)
    (keep / "deep" / "file").write_text("harness")
    code = ("import os, sys; sys.path.insert(0, sys.argv[1]); from harness.benchmarks.executor_worker import _empty\n"
            "os.makedirs('/x/left/over'); open('/x/left/over/f', 'w').close(); open('/x/g', 'w').close()\n"
            "os.chdir('/x')\nfor _ in range(1500): os.mkdir('d'); os.chdir('d')\n"  # deeper than the recursion limit
            "os.chdir('/')\n"
            "_empty('/x'); print(sorted(os.listdir('/x')))")
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/x", "--bind", str(keep), "/x/mnt/keep",
                           sys.executable, "-c", code, root], capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "namespace" in done.stderr.lower():
        pytest.skip(reason=f"bubblewrap cannot make a mount namespace here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['mnt']"]  # the code's files gone; the mount point's parent stays
    assert (keep / "deep" / "file").read_text() == "harness"
