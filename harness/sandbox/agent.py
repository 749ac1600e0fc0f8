"""The sandbox agent: PID 1 of every Docker container that has Python >= 3.9, and of every local
jail (``jail.py``).

Why: a ``docker exec`` costs a runc start (70-100 ms on a loaded machine) and a new bubblewrap jail
20-30 ms; the agent, started once per session, forks commands itself for a few milliseconds.  The
host sends it requests on its stdin (the container's attached stdin, or the jail's pipe), so when
the host process dies the agent sees EOF, exits, and its namespace dies with it.

It starts each command as the session's user, in a new session, with its own environment plus the
request's; after each command, and before it answers, it kills every other process in its PID
namespace and reaps them (``kill(-1)`` from PID 1 spares only itself, and orphans come to PID 1),
so nothing a command started is alive when its verdict is returned.  A command cannot signal it
(the kernel drops signals to a namespace's init from inside) nor, being non-dumpable, trace it.

Arguments: the user to run commands as (a name, a uid, "" for root, "-" for the agent's own user),
then optionally the workspace, the cache directory and directories to hand to that user.

Protocol.  Host -> agent: 4-byte big-endian length, a JSON request (a command: argv, env, cwd,
timeout, kill_bytes; or ``op`` read/write/untar with a path; or ``reset``) with ``stdin_len``, then
that many bytes of stdin.  Agent -> host: frames of one kind byte and a 4-byte length: ``r`` ready
(JSON uid/gid), ``o``/``e`` output, ``x`` exit (JSON: code, killed).

Stdlib only and written for any Python 3 that can parse it: this file is passed to the image's
own ``python3 -I -S -c``; an older Python hands over to ``cat`` and the host falls back to
``docker exec``.
"""

import errno
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time

WORKDIR = "/workspace"
CACHE = "/cache"
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # writable by anyone: emptied between sessions
HOME_SNAPSHOT_LIMIT = 64 << 20


def send(kind, payload=b""):
    data = kind + struct.pack(">I", len(payload)) + payload
    while data:
        data = data[os.write(1, data):]


def read_exactly(n):
    parts = []
    while n:
        chunk = os.read(0, min(n, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def oom_kills():
    """The memory cgroup's OOM-kill counter (v1 or v2); -1 when there is none to read."""
    for path in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"):
        try:
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == "oom_kill":
                        return int(parts[1])
        except OSError:
            continue
    return -1


def pids_hits():
    """How often the pids cgroup refused a fork (v1 or v2 ``pids.events``); -1 when unreadable."""
    for path in ("/sys/fs/cgroup/pids/pids.events", "/sys/fs/cgroup/pids.events"):
        try:
            with open(path) as f:
                parts = f.read().split()
            if len(parts) >= 2 and parts[0] == "max":
                return int(parts[1])
        except (OSError, ValueError):
            continue
    return -1


def signal_others():
    """SIGKILL every process of the namespace but this one (``kill(-1)`` spares the caller and PID 1);
    only as PID 1, where that is the namespace and not every process of the user."""
    if os.getpid() == 1:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass


def kill_others():
    """Kill every other process of the namespace and reap them all; returns when none is left.

    As PID 1 every process here descends from us, so once we have no child left there is no
    process left; killed processes cannot fork, so the loop ends.  Call it only after the command's
    own exit status was collected (it reaps whatever child it finds)."""
    if os.getpid() != 1:
        reap()
        return
    while True:
        signal_others()
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def reap():
    """Collect the orphans the kernel gave to PID 1 (zombies would hold pids of the pids limit)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def empty(path):
    """Remove what is inside ``path`` (not ``path`` itself); True when nothing was left."""
    import shutil

    ok = True
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return True
    for name in names:
        full = os.path.join(path, name)
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)
        except OSError:
            ok = False
    return ok


def snapshot(home):
    """The home directory as the image made it (a tar in memory), or None when it is too big."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(home, arcname=".")
    return buf.getvalue() if buf.tell() <= HOME_SNAPSHOT_LIMIT else None


def reset(home, home_tar):
    """Back to the state a new container has: no processes, empty workspace and scratch, the
    image's home directory (a user site directory left there would change the next session)."""
    import io
    import tarfile

    kill_others()
    reap()
    ok = all(empty(d) for d in (WORKDIR,) + SCRATCH)
    if home_tar is None or not os.path.isdir(home):
        return ok and home_tar is not None
    ok = empty(home) and ok
    with tarfile.open(fileobj=io.BytesIO(home_tar)) as tar:
        tar.extraction_filter = getattr(tarfile, "fully_trusted_filter", None)  # our own snapshot
        tar.extractall(home)
    return ok


def file_op(req, data, uid, gid):
    """``read`` / ``write`` a workspace file or ``untar`` a tar into a directory, as the session's
    user (a forked child drops root first), for a few ms where the archive API costs ~100 ms.
    Exit codes: 0 done, 2 no such file, 1 any other error (message on ``e``)."""
    import io
    import tarfile

    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if uid is not None:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            path = os.path.join(WORKDIR, req["path"])
            if req["op"] == "read":
                with open(path, "rb") as f:
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        send(b"o", chunk)
            elif req["op"] == "write":
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
            else:
                with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                    tar.extraction_filter = getattr(tarfile, "fully_trusted_filter", None)  # as the user
                    tar.extractall(path)
            code = 0
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
            send(b"e", str(e).encode())
            code = 2
        except BaseException as e:  # noqa: BLE001 - the child must report and exit, whatever happened
            send(b"e", ("%s: %s" % (type(e).__name__, e)).encode())
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
    send(b"x", json.dumps({"code": code}).encode())


def run(req, stdin, uid, gid, base_env):
    """One command: its output relayed as ``o``/``e`` frames, then its ``x`` record, sent only when
    every process it started is dead.  ``uid`` None runs it as the agent's own user."""
    env = dict(base_env)
    env.update(req.get("env") or {})
    before, forks_refused = oom_kills(), pids_hits()
    start = time.monotonic()
    deadline = start + float(req["timeout"])
    kill_bytes = req.get("kill_bytes")
    try:
        proc = subprocess.Popen(
            req["argv"], cwd=req.get("cwd") or WORKDIR, env=env, start_new_session=True,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            **({} if uid is None else {"user": uid, "group": gid, "extra_groups": []}),
        )
    except OSError as e:
        code = 127 if e.errno in (errno.ENOENT, errno.ENOTDIR) else 126
        send(b"e", ("gauntlet: cannot run %r: %s\n" % (req["argv"][0], e.strerror)).encode())
        send(b"x", json.dumps({"code": code}).encode())
        return
    streams = {proc.stdout.fileno(): b"o", proc.stderr.fileno(): b"e"}
    pending = stdin or b""
    writer = proc.stdin.fileno() if proc.stdin else None
    if writer is not None:
        os.set_blocking(writer, False)
        if not pending:
            proc.stdin.close()
            writer = None
    total, killed, exited_at = 0, None, None
    while streams:
        now = time.monotonic()
        if now >= deadline:
            killed = "timeout"
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
            kill_others()  # background children still hold the pipes: they die with the command
        ready, writable, _ = select.select(list(streams), [writer] if writer is not None else [], [],
                                           min(deadline - now, 0.05))
        for fd in writable:
            try:
                pending = pending[os.write(fd, pending[:65536]):]
            except OSError:
                pending = b""
            if not pending:
                proc.stdin.close()
                writer = None
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
                continue
            send(streams[fd], chunk)
            total += len(chunk)
            if kill_bytes and total > kill_bytes:
                killed = "output"
                streams = {}
                break
    if killed is None and proc.poll() is None:  # it closed its output but runs on
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            killed = "timeout"
    if writer is not None:
        proc.stdin.close()
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        signal_others()
    code = proc.wait()
    kill_others()
    proc.stdout.close()
    proc.stderr.close()
    if code < 0:
        code = 128 - code
    if killed is None and code == 137 and oom_kills() > before >= 0:
        killed = "memory"
    elif killed is None and code == 128 + signal.SIGXFSZ:
        killed = "file_size"
    elif killed is None and code != 0 and pids_hits() > forks_refused >= 0:
        killed = "processes"
    send(b"x", json.dumps({"code": code, "killed": killed, "duration": time.monotonic() - start}).encode())


def non_dumpable():
    """Keep processes of the same user from tracing the agent or reading its memory."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (ImportError, OSError, AttributeError):
        pass


def account(user):
    """(uid, gid, home) of ``user``: a name, a number, or "-" for the agent's own user."""
    import pwd

    if user == "-":
        return None, None, os.environ.get("HOME", "/")
    try:
        pw = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
        return pw.pw_uid, pw.pw_gid, pw.pw_dir
    except KeyError:
        return int(user), int(user), "/"


def main():
    global WORKDIR, CACHE
    if sys.version_info < (3, 9):  # Popen(user=...) is 3.9+: let the host use docker exec instead
        send(b"n")
        os.execvp("cat", ["cat"])
    args = sys.argv[1:] + [""] * 3
    uid, gid, home = account(args[0] or "root")
    WORKDIR, CACHE = args[1] or WORKDIR, args[2] or CACHE
    non_dumpable()
    for d in (WORKDIR, CACHE, *[a for a in args[3:] if a]):
        os.makedirs(d, exist_ok=True)
        if uid is not None and (os.stat(d).st_uid, os.stat(d).st_gid) != (uid, gid):
            os.chown(d, uid, gid)
    base_env = dict(os.environ)
    base_env.setdefault("HOME", home)
    if args[0] != "-":
        base_env["HOME"] = home
    base_env.pop("HOSTNAME", None)
    home_tar = snapshot(home) if os.path.isdir(home) and args[0] != "-" else b""
    send(b"r", json.dumps({"uid": os.getuid() if uid is None else uid, "gid": os.getgid() if gid is None else gid}).encode())
    while True:
        head = read_exactly(4)
        if head is None:
            return
        req = json.loads(read_exactly(struct.unpack(">I", head)[0]).decode())
        if req.get("reset"):
            send(b"x", json.dumps({"code": 0 if reset(home, home_tar) else 1}).encode())
            continue
        n = req.get("stdin_len", -1)
        stdin = read_exactly(n) if n >= 0 else None
        if req.get("op"):
            file_op(req, stdin, uid, gid)
        else:
            run(req, stdin, uid, gid, base_env)


if __name__ == "__main__":
    main()
