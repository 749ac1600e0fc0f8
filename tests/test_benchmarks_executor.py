"""The fast Python executor: verdicts, limits, and hostile solutions that must not break it."""

from __future__ import annotations

import os
import signal
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
        assert "gauntlet-exec-" in r["result"]  # HOME was the scratch directory
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
        os.killpg(e._all[0].proc.pid, signal.SIGKILL)
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
