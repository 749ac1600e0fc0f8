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
