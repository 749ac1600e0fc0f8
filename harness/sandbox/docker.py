"""The Docker backend: each session is a container of the language's image.

Isolation: the workspace is copied in (a tar through the API, never a writable bind mount); no
network unless asked (``network_mode="none"``); memory (swap included), pids and CPU limits from
``Limits``; a file-size rlimit; the image's non-root user where it has one; a scrubbed environment
(the image's own plus what the caller passes).  Every container carries the label ``gauntlet=1``
and is removed on close, on errors and at exit (``gauntlet images prune`` finds strays).

Speed: containers are kept in a bounded warm pool (``pool.py``) and reused after their workspace
is reset, so a session costs a copy, not a container start; an exec costs one Docker API round
trip plus one clean-up exec that kills whatever the command left running.
"""

from __future__ import annotations

import io
import select
import socket
import struct
import tarfile
import threading
import time
from pathlib import Path, PurePosixPath

from harness.language import ImageSpec
from harness.sandbox import images
from harness.sandbox.base import (
    ExecResult,
    Limits,
    PatchResult,
    SandboxError,
    apply_patch_via_exec,
    check_relative,
    workspace_key,
)
from harness.sandbox.capture import BoundedCapture
from harness.sandbox.pool import Pool

WORKDIR = "/workspace"
CACHE = "/cache"
RC_MARK = "\n[gauntlet-exit:"


def _tar_dir(root: Path, uid: int, gid: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
            info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


class Container:
    """One running container (PID 1 sleeps) that sessions borrow from the pool."""

    def __init__(self, client, image: str, user: str | None, limits: Limits, network: bool, cache_key: str):
        from docker.types import Ulimit

        self.client, self.image, self.limits, self.network, self.cache_key = client, image, limits, network, cache_key
        mem = f"{limits.memory_mb}m" if limits.memory_mb else None
        ulimits = [Ulimit(name="fsize", soft=limits.file_size_mb * 2**20, hard=limits.file_size_mb * 2**20)] if limits.file_size_mb else []
        self.c = client.containers.create(
            image, command=["sleep", "infinity"], entrypoint=[], detach=True, labels={images.LABEL: "1"},
            network_mode="bridge" if network else "none", mem_limit=mem, memswap_limit=mem,
            pids_limit=limits.processes or -1, nano_cpus=int(limits.cpus * 1e9) if limits.cpus else None,
            ulimits=ulimits, working_dir=WORKDIR, init=False,
            volumes={f"gauntlet-cache-{cache_key}": {"bind": CACHE, "mode": "rw"}},
        )
        try:
            self.c.start()
            who = user or "root"
            r = self.c.exec_run(["sh", "-c", f"mkdir -p {WORKDIR} {CACHE} && chown $(id -u {who}):$(id -g {who}) "
                                 f"{WORKDIR} {CACHE} && id -u {who} && id -g {who}"], user="root")
            if r.exit_code != 0:
                raise SandboxError(f"cannot prepare container of {image}: {r.output.decode(errors='replace')[-300:]}")
            uid, gid = r.output.decode().split()[-2:]
            self.uid, self.gid, self.user = int(uid), int(gid), who
            self.oom_kills = self.read_oom_kills()
        except BaseException:
            self.remove()
            raise

    def read_oom_kills(self) -> int:
        """The memory cgroup's OOM-kill counter (v1 or v2), as the container sees it.

        Docker's ``State.OOMKilled`` covers only the container's first process, not the commands
        we exec, so the kernel's own counter is the evidence that the memory limit fired.
        """
        r = self.c.exec_run(["sh", "-c", "cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events "
                                          "2>/dev/null; exit 0"], user="root")
        for line in r.output.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "oom_kill":
                return int(parts[1])
        return -1

    def reset(self) -> bool:
        """Kill every process but PID 1 and empty the workspace; False when the container is unusable."""
        try:
            r = self.c.exec_run(["sh", "-c", f"kill -9 -1 2>/dev/null; rm -rf {WORKDIR}/* {WORKDIR}/.[!.]* {WORKDIR}/..?* "
                                 "/tmp/* /tmp/.[!.]* 2>/dev/null; exit 0"], user="root")
            return r.exit_code == 0
        except Exception:
            return False

    def remove(self) -> None:
        try:
            self.c.remove(force=True)
        except Exception:
            pass


_pool = Pool()


class DockerBackend:
    name = "docker"

    def __init__(self):
        self.client = images.client()

    def open(self, workspace, *, image=None, limits: Limits | None = None, network: bool = False,
             cache_key: str | None = None) -> "DockerSession":
        limits = limits or Limits()
        ws = Path(workspace)
        if not ws.is_dir():
            raise SandboxError(f"workspace is not a directory: {ws}")
        if image is None:
            raise SandboxError("the docker backend needs an image (the language plugin's ImageSpec, or an image name)")
        if isinstance(image, ImageSpec):
            name, user = images.build(image), image.user
        else:
            images.ensure_present(str(image))
            name, user = str(image), None
        key = cache_key or workspace_key(ws)
        pool_key = (name, user, limits, network, key)
        container = _pool.take(pool_key) or Container(self.client, name, user, limits, network, key)
        try:
            container.c.put_archive(WORKDIR, _tar_dir(ws, container.uid, container.gid))
        except Exception as e:
            container.remove()
            raise SandboxError(f"cannot copy the workspace into the container: {e}") from e
        return DockerSession(container, pool_key)


class DockerSession:
    backend = "docker"

    def __init__(self, container: Container, pool_key):
        self._ct = container
        self._pool_key = pool_key
        self._closed = False
        self.language: str | None = None
        self.limits = container.limits
        self.network = container.network
        self.workdir = WORKDIR
        self.protections = {
            "backend": "docker", "image": container.image, "private_copy": True, "process_group_kill": True,
            "env_scrubbed": True, "network_isolated": not container.network, "memory_cgroup": bool(self.limits.memory_mb),
            "pids_cgroup": bool(self.limits.processes), "non_root": container.uid != 0, "filesystem_isolated": True,
        }

    # -- exec -------------------------------------------------------------------------------------------
    def exec(self, argv, timeout=None, env=None, stdin=None, cwd=None) -> ExecResult:
        if self._closed:
            raise SandboxError("session is closed")
        if isinstance(argv, str):
            raise TypeError("argv must be a list of strings, not a shell string")
        timeout = self.limits.timeout if timeout is None else timeout
        workdir = str(PurePosixPath(WORKDIR) / check_relative(cwd)) if cwd else WORKDIR
        data = stdin.encode() if isinstance(stdin, str) else stdin
        api = self._ct.client.api
        start = time.monotonic()
        try:
            # The wrapper kills whatever the command left behind (same user) before the exec ends,
            # which saves a clean-up round trip to the daemon on every command.
            # It also reports the exit code on stderr's last bytes, saving an exec_inspect round trip.
            wrapped = ["sh", "-c", f'"$@"; rc=$?; kill -9 -1 2>/dev/null; printf "{RC_MARK}%d" $rc >&2; exit $rc', "sh",
                       *[str(a) for a in argv]]
            exec_id = api.exec_create(self._ct.c.id, wrapped, stdin=data is not None, stdout=True,
                                      stderr=True, environment=env or {}, workdir=workdir, user=self._ct.user)["Id"]
            sock = api.exec_start(exec_id, socket=True)
        except Exception as e:
            raise SandboxError(f"docker exec failed: {e}") from e
        raw = sock._sock
        if data is not None:
            threading.Thread(target=_feed, args=(raw, data), daemon=True).start()
        out, err = BoundedCapture(self.limits.output_bytes), BoundedCapture(self.limits.output_bytes)
        killed = _pump(raw, out, err, start + timeout, self.limits.output_kill_bytes)
        # Close the raw socket too: output the daemon still holds for us would block its copy loop.
        for s in (raw, sock):
            try:
                s.close()
            except OSError:
                pass
        timed_out = killed == "timeout"
        if killed:
            self._kill_all()
        stderr = err.text()
        code = None
        if killed is None and RC_MARK in stderr[-40:]:
            stderr, _, rc = stderr.rpartition(RC_MARK)
            code = int(rc) if rc.isdigit() else None
        if code is None:  # killed, or the wrapper itself was killed (OOM): ask the daemon
            info = api.exec_inspect(exec_id)
            code = 137 if info.get("Running") or info.get("ExitCode") is None else info["ExitCode"]
            stderr = stderr.split(RC_MARK)[0]
        duration = time.monotonic() - start
        if killed is None and code == 127 and "executable file not found" in stderr + out.text():
            code = 127
        if killed is None:
            if code == 137 and self._oom_killed():
                killed = "memory"
            elif code == 153 or "File size limit exceeded" in stderr:
                killed = "file_size"
        return ExecResult(code, out.text(), stderr, duration, timed_out, killed, out.truncated or err.truncated)

    def _kill_all(self) -> None:
        try:
            self._ct.c.exec_run(["sh", "-c", "kill -9 -1 2>/dev/null; exit 0"], user="root")
        except Exception:
            pass

    def _oom_killed(self) -> bool:
        try:
            now = self._ct.read_oom_kills()
        except Exception:
            return False
        fired, self._ct.oom_kills = now > self._ct.oom_kills >= 0, now
        return fired

    # -- files ----------------------------------------------------------------------------------------------
    def read_file(self, path: str) -> bytes:
        from docker.errors import NotFound

        rel = check_relative(path)
        try:
            stream, _ = self._ct.c.get_archive(f"{WORKDIR}/{rel}")
        except NotFound as e:
            raise FileNotFoundError(path) from e
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isreg():
                raise FileNotFoundError(path)
            return tar.extractfile(member).read()

    def write_file(self, path: str, data: bytes | str) -> None:
        rel = PurePosixPath(check_relative(path))
        payload = data.encode() if isinstance(data, str) else data
        if str(rel.parent) != ".":
            self.exec(["mkdir", "-p", str(rel.parent)])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(rel.name)
            info.size, info.uid, info.gid, info.mode = len(payload), self._ct.uid, self._ct.gid, 0o644
            tar.addfile(info, io.BytesIO(payload))
        self._ct.c.put_archive(str(PurePosixPath(WORKDIR) / rel.parent), buf.getvalue())

    def apply_patch(self, diff: str) -> PatchResult:
        return apply_patch_via_exec(self, diff)

    def cache_dir(self, name: str) -> str:
        path = f"{CACHE}/{check_relative(name)}"
        self.exec(["mkdir", "-p", path])
        return path

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not (self._ct.reset() and _pool.give(self._pool_key, self._ct)):
            self._ct.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _feed(raw: socket.socket, data: bytes) -> None:
    try:
        raw.sendall(data)
    except OSError:
        pass
    finally:
        try:
            raw.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _pump(raw: socket.socket, out: BoundedCapture, err: BoundedCapture, deadline: float, kill_bytes: int | None) -> str | None:
    """Read Docker's multiplexed stream (8-byte frame headers) until EOF; None, "timeout" or "output"."""
    buf = b""
    total = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        ready, _, _ = select.select([raw], [], [], min(left, 1.0))
        if not ready:
            continue
        try:
            chunk = raw.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
        while len(buf) >= 8:
            kind, size = buf[0], struct.unpack(">I", buf[4:8])[0]
            if len(buf) < 8 + size:
                break
            payload, buf = buf[8 : 8 + size], buf[8 + size :]
            (err if kind == 2 else out).add(payload)
            total += len(payload)
            if kill_bytes and total > kill_bytes:
                return "output"
