"""Daemon: start `sleep argv[1]` in a new session, detached, and exit at once, hoping it outlives us."""
import os
import sys

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", sys.argv[1]])
    os._exit(0)
os.wait()
print("DAEMON started")
