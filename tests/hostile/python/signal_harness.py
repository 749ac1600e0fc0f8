"""Signal the harness: SIGKILL the harness's host PID (argv[1]), our parent and init, then PTRACE_ATTACH to the
parent; report each outcome, and that we are still alive."""
import ctypes
import os
import signal
import sys
import time

for name, target in (("harness", int(sys.argv[1])), ("parent", os.getppid()), ("init", 1)):
    try:
        os.kill(target, signal.SIGKILL)
        print(f"SIGNAL {name} ok", flush=True)
    except OSError as e:
        print(f"SIGNAL {name} {e}", flush=True)
PTRACE_ATTACH, PTRACE_DETACH, WALL = 16, 17, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = (ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
parent = os.getppid()
if libc.ptrace(PTRACE_ATTACH, parent, None, None) == 0:
    os.waitpid(parent, WALL)  # the attach stops it; it must be stopped to be detached
    libc.ptrace(PTRACE_DETACH, parent, None, None)
    print("PTRACE parent ok", flush=True)
else:
    print(f"PTRACE parent {os.strerror(ctypes.get_errno())}", flush=True)
time.sleep(0.2)
print("ALIVE")
