"""Fork bomb: fork children that linger until the process limit stops it."""
import os
import sys
import time

n = 0
while True:
    try:
        pid = os.fork()
    except OSError as e:
        sys.exit(f"fork failed after {n} children: {e}")
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    n += 1
