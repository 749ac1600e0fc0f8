"""Kill the parent, every process we may signal, then our own process group."""
import os
import signal

for target in (os.getppid(), -1, 0):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as e:
        print(f"kill({target}) refused: {e}", flush=True)
print("SURVIVED")
