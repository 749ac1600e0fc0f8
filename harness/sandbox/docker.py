"""The Docker backend: each session is a container of the language's image.

Isolation: the workspace is copied in (a tar through the API, never a writable bind mount); no
network unless asked (``network_mode="none"``); memory (swap included), pids and CPU limits from
``Limits``; a file-size rlimit; the image's non-root user where it has one; a scrubbed environment
(the image's own plus what the caller passes).  Caches (``cache_dir``) live in a named volume per
workspace, ``gauntlet-cache-<key>``, mounted at ``/cache``.

Clean-up: every container carries the label ``gauntlet=1``, is removed on close, on errors and at
exit, and is created with ``AutoRemove`` and its first process reading the stdin we hold attached
(``StdinOnce``): when this process dies, even by SIGKILL, the daemon closes that stdin, the
container's first process exits and the daemon removes the container.  ``gauntlet images prune``
finds anything left by a daemon restart.

Speed: containers are kept in a bounded warm pool (``pool.py``) and reused after a reset (no
processes, empty workspace and scratch directories, the image's home directory).  Where the image
has Python >= 3.9 (every language image with python3; most others do not) the container's first
process is ``agent.py``, which runs each command itself: an exec costs a fork and a
round trip on an open socket (a few ms) instead of a ``docker exec`` (a runc start, 70-100 ms).
Elsewhere each command is a ``docker exec`` whose wrapper reports the exit code and kills what the
command left behind.
"""

from __future__ import annotations

import atexit
import io
import json
import select
import socket
import struct
import tarfile
import threading
import time
from pathlib import Path, PurePosixPath

from harness import settings
from harness.language import ImageSpec
from harness.sandbox import images
from harness.sandbox.base import (
    ExecResult,
    Limits,
    PatchResult,
    SandboxError,
    apply_patch_via_exec,
    check_relative,
    limit_from_output,
    workspace_key,
)
from harness.sandbox.capture import BoundedCapture
from harness.sandbox.frames import DockerStream
from harness.sandbox.pool import Pool

WORKDIR = "/workspace"
CACHE = "/cache"
RC_MARK = "\n[gauntlet-exit:"
# Reads the pids cgroup's refused-fork counter (v1, then v2) into a shell variable, with builtins only.
PIDS_READ = ('read -r _ {0} 2>/dev/null </sys/fs/cgroup/pids/pids.events || '
             'read -r _ {0} 2>/dev/null </sys/fs/cgroup/pids.events; ')
# Reads how many processes the container holds now (zombies included) into a shell variable.
PIDS_NOW = ('read -r {0} 2>/dev/null </sys/fs/cgroup/pids/pids.current || '
            'read -r {0} 2>/dev/null </sys/fs/cgroup/pids.current; ')
# After the command: SIGKILL everything but PID 1 and this shell until the container is back to
# the processes it held before (PID 1 reaps the dead; its `cat` is restarted), so that nothing the
# command started is alive when its exit code is printed.  Bounded: a pids counter that cannot be
# read ends it after one pass.
KILL_LOOP = ('i=0; while :; do kill -9 -1 2>/dev/null; ' + PIDS_NOW.format("n") +
             '[ "${{n:-0}}" -le {rest} ] && break; i=$((i+1)); [ $i -ge 500 ] && break; '
             '[ $i -gt 20 ] && sleep 0.01; done; ')
KILL_ALL = KILL_LOOP.format(rest='"${n0:-0}"')
# After a timeout, when the wrapper never reached its KILL_ALL: the same loop, until the container is
# back to PID 1, its ``cat`` and this shell (images without python3: the agent kills its own).
KILL_REST = KILL_LOOP.format(rest=3) + "exit 0"
AGENT = Path(__file__).with_name("agent.py").read_text()
# PID 1: the agent where python3 can run it, else a shell whose ``cat`` holds the attached stdin
# ("n" frame).  The shell stays PID 1 so that it reaps the processes each command's clean-up kills
# (as PID 1, ``cat`` reaped nothing: their zombies filled the pids limit of the next, pooled,
# session), and restarts ``cat`` when a reset's ``kill -9 -1`` reaches it; EOF ends both.
# GAUNTLET_DOCKER_AGENT=0 turns the agent off (debugging; the overhead bench compares both paths).
NO_AGENT = 'printf "n\\000\\000\\000\\000"; while :; do cat >/dev/null && exit 0; done'
BOOT = 'command -v python3 >/dev/null 2>&1 && exec python3 -I -S -c "$0" "$@"; ' + NO_AGENT
GRACE = 20.0  # seconds the agent may take beyond a command's timeout before we give up on it
HOME_COPY = "/.gauntlet-home"  # without the agent: the image's home directory, restored on reset


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


class _Collect:
    """An unbounded capture, for file contents."""

    def __init__(self):
        self.parts: list[bytes] = []

    def add(self, data: bytes) -> None:
        self.parts.append(data)


_live: set["Container"] = set()
_live_lock = threading.Lock()


class Container:
    """One container that sessions borrow from the pool; its first process is the agent, or a shell
    that runs ``cat`` on the attached stdin and reaps what each command's clean-up killed."""

    def __init__(self, client, image: str, user: str | None, limits: Limits, network: bool, cache_key: str,
                 workspace: str | None = None):
        """``workspace``: the path the cache key was derived from (none was given), for the volume's label."""
        from docker.types import LogConfig, Ulimit

        self.client, self.image, self.limits, self.network, self.cache_key = client, image, limits, network, cache_key
        self.workspace = workspace
        self.lock = threading.Lock()
        self.broken = False
        self.user = user or "root"
        api = client.api
        mem = f"{limits.memory_mb}m" if limits.memory_mb else None
        fsize = limits.file_size_mb * 2**20 if limits.file_size_mb else None
        try:  # made here, labelled, rather than implicitly by the bind: prune can then find it
            client.volumes.create(f"gauntlet-cache-{cache_key}", labels=images.cache_volume_labels(workspace))
        except Exception as e:
            raise SandboxError(f"cannot create the cache volume gauntlet-cache-{cache_key}: {_explain(e)}") from e
        host = api.create_host_config(
            network_mode="bridge" if network else "none", mem_limit=mem, memswap_limit=mem,
            pids_limit=limits.processes or -1,
            ulimits=[Ulimit(name="fsize", soft=fsize, hard=fsize)] if fsize else [],
            binds={f"gauntlet-cache-{cache_key}": {"bind": CACHE, "mode": "rw"}},
            auto_remove=True, log_config=LogConfig(type="none"),
        )
        try:
            self.id = api.create_container(
                image, command=["sh", "-c", BOOT if settings.docker_agent() else NO_AGENT, AGENT, user or ""],
                entrypoint=[], user="0", stdin_open=True,
                detach=False, working_dir=WORKDIR, labels=images.sandbox_labels(), volumes=[CACHE], host_config=host,
            )["Id"]
        except Exception as e:
            raise SandboxError(f"cannot create a container of {image}: {_explain(e)}") from e
        with _live_lock:
            _live.add(self)
        self.c = client.containers.get(self.id)
        try:
            self._sock = api.attach_socket(self.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            self.raw = getattr(self._sock, "_sock", self._sock)
            self.frames = DockerStream(self.raw)
            api.start(self.id)
            try:
                kind, payload = self.frames.next(time.monotonic() + 60)
            except (TimeoutError, EOFError) as e:
                raise SandboxError(f"the container of {image} did not start: {self.frames.log.text()[-500:]}") from e
            self.agent = kind == b"r"
            if self.agent:
                ids = json.loads(payload)
                self.uid, self.gid = ids["uid"], ids["gid"]
            else:
                self._prepare_without_agent()
            self.oom_kills = self.read_oom_kills() if not self.agent else -1
        except BaseException:
            self.remove()
            raise

    def _prepare_without_agent(self) -> None:
        who = self.user
        r = self.c.exec_run(["sh", "-c", f"mkdir -p {WORKDIR} {CACHE} && chown $(id -u {who}):$(id -g {who}) {WORKDIR} {CACHE}"
                             f" && h=$(getent passwd {who} | cut -d: -f6) && if [ -d \"$h\" ]; then cp -a \"$h\" {HOME_COPY}; fi"
                             f" && id -u {who} && id -g {who} && echo \"${{h:-/}}\""], user="root")
        if r.exit_code != 0:
            raise SandboxError(f"cannot prepare container of {self.image}: {r.output.decode(errors='replace')[-300:]}")
        uid, gid, self.home = r.output.decode().split()[-3:]
        self.uid, self.gid = int(uid), int(gid)

    def request(self, req: dict, stdin: bytes | None, out: BoundedCapture, err: BoundedCapture, deadline: float) -> dict:
        """One request to the agent; its exit record, or ``{"lost": why}`` when the agent is gone."""
        with self.lock:
            if self.broken:
                raise SandboxError("the container was lost earlier in this session")
            body = json.dumps({**req, "stdin_len": -1 if stdin is None else len(stdin)}).encode()
            try:
                self.raw.sendall(struct.pack(">I", len(body)) + body + (stdin or b""))
                while True:
                    kind, payload = self.frames.next(deadline)
                    if kind == b"x":
                        return json.loads(payload)
                    (out if kind == b"o" else err).add(payload)
            except TimeoutError:
                self.broken = True
                return {"lost": "the agent did not answer in time"}
            except (EOFError, OSError) as e:
                self.broken = True
                return {"lost": f"the container stopped ({type(e).__name__}) {self.frames.log.text()[-300:]}".strip()}
            except BaseException:  # Ctrl-C in the middle of a request: the stream is out of step
                self.broken = True
                raise

    def file_op(self, op: str, path: str, data: bytes | None = None) -> dict:
        """A file operation through the agent, as the session's user: its exit record, plus
        ``data`` (what was read) and ``error`` (what went wrong)."""
        out, err = _Collect(), BoundedCapture(4096)
        r = self.request({"op": op, "path": path}, data, out, err, time.monotonic() + 300)
        return {**r, "data": b"".join(out.parts), "error": err.text()}

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
        """Back to a fresh container's state; False when the container cannot be reused."""
        if self.broken:
            return False
        if self.agent:
            try:
                r = self.request({"reset": True}, None, BoundedCapture(4096), BoundedCapture(4096), time.monotonic() + 60)
            except SandboxError:
                return False
            return r.get("code") == 0
        try:
            r = self.c.exec_run(["sh", "-c", f"kill -9 -1 2>/dev/null; rm -rf {WORKDIR}/* {WORKDIR}/.[!.]* {WORKDIR}/..?* "
                                 "/tmp/* /tmp/.[!.]* /var/tmp/* /dev/shm/* 2>/dev/null; "
                                 f"h=$(getent passwd {self.user} | cut -d: -f6); "
                                 f"if [ -d {HOME_COPY} ]; then rm -rf \"$h\" && cp -a {HOME_COPY} \"$h\"; fi"], user="root")
            return r.exit_code == 0
        except Exception:
            return False

    def remove(self) -> None:
        with _live_lock:
            _live.discard(self)
        for close in (getattr(self, "_sock", None), getattr(self, "raw", None)):
            try:
                close and close.close()
            except OSError:
                pass
        try:
            self.client.api.remove_container(self.id, force=True)
        except Exception:  # already gone (AutoRemove), or the daemon is: nothing more to do here
            pass


def _explain(e: Exception) -> str:
    text = str(e)
    if "no space left" in text.lower():
        return text + " (the disk is full: 'gauntlet images prune --images' or 'docker system prune')"
    return text


@atexit.register
def _remove_all() -> None:
    with _live_lock:
        live = list(_live)
    for c in live:
        c.remove()


_pool = Pool()


class DockerBackend:
    name = "docker"

    def __init__(self, registry: str | None = None, base_image: str | None = None):
        """``registry``: where a missing language image is pulled from (REGISTRY/<tag>) before it is
        built here; None: ``GAUNTLET_IMAGE_REGISTRY``, else none.  ``base_image``: what language
        images are built on; None: ``GAUNTLET_BASE_IMAGE``, else each plugin's own."""
        self.client = images.client()
        self.registry = registry
        self.base_image = base_image

    def open(self, workspace, *, language: str | None = None, image=None, limits: Limits | None = None,
             network: bool = False, cache_key: str | None = None) -> "DockerSession":
        limits = limits or Limits()
        ws = Path(workspace)
        if not ws.is_dir():
            raise SandboxError(f"workspace is not a directory: {ws}")
        if image is None:
            raise SandboxError("the docker backend needs an image (the language plugin's ImageSpec, or an image name)")
        if isinstance(image, ImageSpec):
            name, user = images.build(image, base_image=self.base_image, registry=self.registry), image.user
        else:
            images.ensure_present(str(image))
            name, user = str(image), None
        key = cache_key or workspace_key(ws)
        pool_key = (name, user, limits, network, key, settings.docker_agent())
        container = _pool.take(pool_key) or Container(self.client, name, user, limits, network, key,
                                                      workspace=None if cache_key else str(ws.resolve()))
        try:
            tar = _tar_dir(ws, container.uid, container.gid)
            if container.agent:
                r = container.file_op("untar", "", tar)
                if r.get("code") != 0:
                    raise SandboxError(r.get("error") or r.get("lost") or "the agent could not unpack it")
            else:
                container.c.put_archive(WORKDIR, tar)
        except Exception as e:
            container.remove()
            raise SandboxError(f"cannot copy the workspace into the container: {_explain(e)}") from e
        return DockerSession(container, pool_key, language)


class DockerSession:
    backend = "docker"

    def __init__(self, container: Container, pool_key, language: str | None = None):
        self._ct = container
        self._pool_key = pool_key
        self._closed = False
        self.language = language
        self.limits = container.limits
        self.network = container.network
        self.workdir = WORKDIR
        self.protections = {
            "backend": "docker", "image": container.image, "private_copy": True, "process_group_kill": True,
            "env_scrubbed": True, "network_isolated": not container.network, "memory_cgroup": bool(self.limits.memory_mb),
            "pids_cgroup": bool(self.limits.processes), "non_root": container.uid != 0, "filesystem_isolated": True,
            "exec_path": "agent" if container.agent else "docker exec",
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
        if self._ct.agent:
            return self._exec_agent([str(a) for a in argv], timeout, env, data, workdir)
        api = self._ct.client.api
        start = time.monotonic()
        try:
            # The wrapper runs as root and starts the command as the session's user (setpriv), so
            # that the command can neither signal nor trace it; it kills whatever the command left
            # behind before the exec ends, which saves a clean-up round trip to the daemon on every
            # command.  It also reports the exit code on stderr's last bytes, saving an
            # exec_inspect round trip.  A "P" after the code: the pids limit refused a fork meanwhile.
            ct = self._ct
            drop = f"setpriv --reuid={ct.uid} --regid={ct.gid} --clear-groups --no-new-privs --"
            wrapped = ["sh", "-c", PIDS_READ.format("b") + PIDS_NOW.format("n0") + f'{drop} "$@"; rc=$?; {KILL_ALL}'
                       f'{PIDS_READ.format("a")}p=; [ "$a" = "$b" ] || p=P; printf "{RC_MARK}%d%s" $rc "$p" >&2; exit $rc',
                       "sh", *[str(a) for a in argv]]
            exec_id = api.exec_create(ct.c.id, wrapped, stdin=data is not None, stdout=True, stderr=True,
                                      environment={"HOME": ct.home, **(env or {})}, workdir=workdir, user="0")["Id"]
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
        code, forks_refused = None, False
        if killed is None and RC_MARK in stderr[-40:]:
            stderr, _, rc = stderr.rpartition(RC_MARK)
            forks_refused, rc = rc.endswith("P"), rc.rstrip("P")
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
            elif code == 153:
                killed = "file_size"
            elif code != 0 and forks_refused:
                killed = "processes"
            else:
                killed = limit_from_output(code, stderr)
        return ExecResult(code, out.text(), stderr, duration, timed_out, killed, out.truncated or err.truncated)

    def _exec_agent(self, argv: list[str], timeout: float, env, data: bytes | None, workdir: str) -> ExecResult:
        out, err = BoundedCapture(self.limits.output_bytes), BoundedCapture(self.limits.output_bytes)
        start = time.monotonic()
        req = {"argv": argv, "env": {str(k): str(v) for k, v in (env or {}).items()}, "cwd": workdir,
               "timeout": timeout, "kill_bytes": self.limits.output_kill_bytes}
        r = self._ct.request(req, data, out, err, start + timeout + GRACE)
        duration = time.monotonic() - start
        if "lost" in r:  # the agent is gone or stuck: the container is removed at close
            err.add(f"\n[gauntlet: {r['lost']}]\n".encode())
            timed_out = duration >= timeout
            return ExecResult(137, out.text(), err.text(), duration, timed_out, "timeout" if timed_out else None, True)
        killed = r.get("killed") or limit_from_output(r["code"], err.text())
        return ExecResult(r["code"], out.text(), err.text(), duration, killed == "timeout", killed,
                          out.truncated or err.truncated)

    def _kill_all(self) -> None:
        try:
            self._ct.c.exec_run(["sh", "-c", KILL_REST], user="root")
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
        if self._ct.agent:
            r = self._ct.file_op("read", rel)
            if r.get("code") == 0:
                return r["data"]
            if r.get("code") == 2:
                raise FileNotFoundError(path)
            raise SandboxError(f"cannot read {path}: {r.get('error') or r.get('lost')}")
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
        if self._ct.agent:
            r = self._ct.file_op("write", str(rel), payload)
            if r.get("code") != 0:
                raise SandboxError(f"cannot write {path}: {r.get('error') or r.get('lost')}")
            return
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

    def discard(self) -> None:
        """Close, and remove the container and its cache volume: for a workspace that is about to be
        deleted (a temporary copy), whose cache nobody can reuse.  Best effort: a volume the daemon
        still holds is left to ``gauntlet images prune``, which finds it by its label."""
        self.close()
        if self._ct.workspace is None:  # a cache key the caller chose: meant to outlive the workspace
            return
        while (idle := _pool.take(self._pool_key)) is not None:
            idle.remove()
        self._ct.remove()
        volume = f"gauntlet-cache-{self._ct.cache_key}"
        for delay in (0, 0.1, 0.3, 1.0):  # the daemon releases the container's mounts asynchronously
            time.sleep(delay)
            try:
                self._ct.client.volumes.get(volume).remove()
                return
            except Exception as e:  # noqa: PERF203
                if "no such volume" in str(e).lower() or "not found" in str(e).lower():
                    return

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
