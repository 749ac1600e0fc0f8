from harness.testing import SandboxConformance


class TestLocalConformance(SandboxConformance):
    backend_name = "local"


def test_command_dies_with_a_killed_harness(tmp_path):
    """SIGKILL leaves the harness no chance to clean up; the sandboxed command must die anyway."""
    import os
    import signal
    import subprocess
    import sys
    import time

    seconds = 3000 + os.getpid() % 1000  # the shell computes it: no other command line names it
    marker = f"^sleep {seconds}$"
    harness = subprocess.Popen([sys.executable, "-c", (
        "from harness.sandbox.local import LocalBackend\n"
        f"s = LocalBackend().open({str(tmp_path)!r})\n"
        f"s.exec(['sh', '-c', 'exec sleep $((3000 + {seconds - 3000}))'])\n")])

    def running() -> bool:
        return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0

    deadline = time.monotonic() + 30
    while not running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(), "the sandboxed command never started"
    harness.send_signal(signal.SIGKILL)
    harness.wait()
    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = running()
    subprocess.run(["pkill", "-9", "-f", marker])
    assert not left, "the sandboxed command outlived the harness"


def test_a_venv_harness_runs_its_own_python_without_being_activated(tmp_path):
    """`.venv/bin/gauntlet` with the venv not on PATH: ``python3`` in the sandbox is the venv's (its pytest
    and ruff), not the first one on PATH (a fresh non-root run graded a fix as 'pytest is not installed')."""
    import os
    import subprocess
    import sys

    if sys.prefix == sys.base_prefix:
        import pytest

        pytest.skip(reason="the tests are not running in a virtual environment")
    code = ("from harness.sandbox.local import LocalBackend\n"
            f"with LocalBackend().open({str(tmp_path)!r}) as s:\n"
            "    print(s.exec(['python3', '-c', 'import sys; print(sys.prefix)']).stdout.strip())\n")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != os.path.dirname(sys.executable))
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"PATH": path}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == sys.prefix
