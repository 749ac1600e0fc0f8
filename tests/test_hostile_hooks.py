"""Hostile code inside a test suite, run through the Python plugin's ``gauntlet_test`` hook.

The case programs of ``tests/hostile/python`` become the single test of a small pytest project, so
the hostile code runs inside the test runner exactly as a model's test or patch would.  The hook
must give a report whose ``error`` names the limit (or no passing test), leave nothing behind, and
serve the next run.  ``tests/test_hostile_sandbox.py`` covers every case and language through exec.
"""

from __future__ import annotations

import secrets

import pytest
from hostile import observe
from hostile.builds import Builds
from hostile.corpus import ROOT

from harness.outcome import Status
from harness.plugins import get_plugin_manager
from harness.sandbox import Limits

LIMITS = Limits(timeout=10, memory_mb=512, processes=64, file_size_mb=8, output_bytes=64 << 10,
                output_kill_bytes=4 << 20)
TEST = '''import runpy, sys

def test_hostile():
    sys.argv = ["{case}", "{arg}"]
    runpy.run_path("{case}.py", run_name="__main__")
'''


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return Builds(tmp_path_factory)


def _project(tmp_path, case: str, arg: str):
    ws = tmp_path / "project"
    ws.mkdir()
    (ws / f"{case}.py").write_bytes((ROOT / "python" / f"{case}.py").read_bytes())
    (ws / "test_hostile.py").write_text(TEST.format(case=case, arg=arg))
    return ws


@pytest.mark.parametrize("backend_name", ("local", "docker"))
@pytest.mark.parametrize("case", ("sleep_past_timeout", "fork_bomb", "daemon", "kill_parent"))
def test_hostile_test_suite_through_the_plugin_hook(case, backend_name, builds, tmp_path):
    backend = builds.backend(backend_name)
    image = builds.image("python", backend_name)
    token = f"{secrets.randbelow(9000) + 1000}.{secrets.randbelow(10**6):06d}"  # daemon's sleep: a unique marker
    ws = _project(tmp_path, case, token)
    before = observe.tree_digest(ws)
    hook = get_plugin_manager().for_language("python")
    with backend.open(ws, language="python", image=image, limits=LIMITS) as s:
        if case == "kill_parent" and not s.protections.get("pid_namespace", backend_name == "docker"):
            pytest.skip(reason="no PID namespace here: kill(getppid()) would kill the harness (reported in protections)")
        report = hook.gauntlet_test(session=s, selection=None, fail_fast=False)
        assert not observe.wait_gone(token), "the daemon outlived the test run"
        assert "passed" not in {r.status.value for r in report.tests.values()} or case == "daemon", report
        if case == "sleep_past_timeout":
            assert report.timed_out and "did not finish" in report.error
        elif case == "fork_bomb" and s.protections.get("pids_cgroup"):  # without one (not root): RLIMIT_NPROC, no verdict
            assert report.error and "processes limit" in report.error, report.error
        elif case == "kill_parent":
            assert report.exit_code == 137, report.log[-500:]
        # The same session serves the next hook call.
        s.write_file("test_hostile.py", "def test_fine():\n    assert True\n")
        again = hook.gauntlet_test(session=s, selection=None, fail_fast=False)
        assert again.error is None and again.ids(Status.PASSED) == ["test_hostile.py::test_fine"], again
    assert observe.tree_digest(ws) == before
