"""Leftover: exit at once and leave two loopers behind, their stdio on /dev/null so no pipe waits for them: a
double-forked grandchild in its own session ignoring SIGTERM and SIGHUP, and a direct child ignoring SIGTERM."""
import os
import signal
import time


def loop(*ignored):
    for sig in ignored:
        signal.signal(sig, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    while True:
        time.sleep(1)


child = os.fork()
if child == 0:
    if os.fork() == 0:
        os.setsid()
        loop(signal.SIGTERM, signal.SIGHUP)
    os._exit(0)
os.waitpid(child, 0)
if os.fork() == 0:
    loop(signal.SIGTERM)
print("LEFTOVER started")
