"""Leave processes behind and return at once: a double-forked grandchild in its own session ignoring SIGTERM and
SIGHUP, and a direct child ignoring SIGTERM, each looping in a fresh interpreter (ignored signals stay ignored
across exec, and /proc shows its environment).  A close-on-exec pipe tells when both have started."""
import os
import signal
import sys

LOOP = "import time\nwhile True:\n    time.sleep(1)"
started_r, started_w = os.pipe()  # not inherited across exec: EOF once every looper has exec'd


def looper(*ignored):
    for sig in ignored:
        signal.signal(sig, signal.SIG_IGN)
    os.execv(sys.executable, [sys.executable, "-c", LOOP])


child = os.fork()
if child == 0:
    if os.fork() == 0:
        os.setsid()
        looper(signal.SIGTERM, signal.SIGHUP)
    os._exit(0)
os.waitpid(child, 0)
if os.fork() == 0:
    looper(signal.SIGTERM)
os.close(started_w)
os.read(started_r, 1)
