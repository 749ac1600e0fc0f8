"""Attack the harness: SIGKILL its host PID (put in by the test), our parent (the executor's worker) and init,
then PTRACE_ATTACH to the parent; fail with each outcome, and that we are still alive."""
import ctypes
import os
import signal
import time

report = []
for name, target in (("harness", HARNESS_PID), ("parent", os.getppid()), ("init", 1)):
    try:
        os.kill(target, signal.SIGKILL)
        report.append(f"SIGNAL {name} ok")
    except OSError as e:
        report.append(f"SIGNAL {name} {e}")
PTRACE_ATTACH, PTRACE_DETACH, WALL = 16, 17, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = (ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
parent = os.getppid()
if libc.ptrace(PTRACE_ATTACH, parent, None, None) == 0:
    os.waitpid(parent, WALL)  # the attach stops it; it must be stopped to be detached
    libc.ptrace(PTRACE_DETACH, parent, None, None)
    report.append("PTRACE parent ok")
else:
    report.append(f"PTRACE parent {os.strerror(ctypes.get_errno())}")
time.sleep(0.2)
raise SystemExit("; ".join([*report, "ALIVE"]))
