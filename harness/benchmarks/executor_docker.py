"""The solution executor's Docker backend: each warm worker lives in a container of its own.

The worker (``executor_worker.py``) is the container's first process and forks one child per
request there, exactly as in the local jail, so a sample costs a fork, not a ``docker exec``.  The
container has no network, a memory and a pids cgroup, tmpfs for its scratch and temporary
directories, ``no-new-privileges`` and only the capabilities the worker needs to drop to nobody
before it loads anything.  The harness talks to the worker over the attached stdin / stdout;
when the harness dies the worker sees EOF and the container, created with ``AutoRemove``, goes.
"""

from __future__ import annotations

import io
import socket
import tarfile
from pathlib import Path

from harness.benchmarks.executor import ExecLimits, ExecutorError, Worker
from harness.sandbox import SandboxError
from harness.sandbox.frames import DockerStream

WORKER_DIR = Path(__file__).parent
FILES = ("executor_worker.py", "lcb_checker.py")
PLACE = "/opt/gauntlet"
SCRATCH = "/scratch"


def python_image(image: str | None = None) -> str:
    """``image``, or the Python plugin's language image (built or pulled once, like the docker
    backend's sessions)."""
    from harness.sandbox import images

    if image:
        images.ensure_present(image)
        return image
    from harness.plugins import UnknownLanguage, get_plugin_manager

    try:
        spec = get_plugin_manager().for_language("python").gauntlet_image(language="python")
    except UnknownLanguage:
        spec = None
    if spec is None:
        raise ExecutorError("no image for Python solutions: install gauntlet-python (pip install -e plugins/python) "
                            "or pass an image")
    return images.build(spec)


class Attached:
    """The container's attached streams: stdin raw, stdout (the worker's frames) demultiplexed."""

    def __init__(self, container, sock):
        self.container, self.sock = container, sock
        self.raw: socket.socket = getattr(sock, "_sock", sock)
        self.stream = DockerStream(self.raw)

    def write(self, data: bytes) -> None:
        self.raw.sendall(data)

    def read_exact(self, n: int, deadline: float) -> bytes | None:
        data = self.stream.data
        try:
            while len(data) < n:
                self.stream.fill(deadline)
        except TimeoutError:
            raise TimeoutError("executor worker did not answer in time") from None
        except EOFError:
            return None
        out = bytes(data[:n])
        del data[:n]
        return out

    def kill(self) -> None:
        for s in (self.sock, self.raw):
            try:
                s.close()
            except OSError:
                pass
        try:
            self.container.remove(force=True)
        except Exception:  # gone already (AutoRemove), or the daemon is: nothing more to do
            pass


class DockerWorker(Worker):
    """A ``Worker`` whose interpreter is the first process of a container of ``image``."""

    def __init__(self, image: str, limits: ExecLimits = ExecLimits(), network: bool = False, profile: str = "full"):
        self.image = image
        super().__init__(limits, network, profile, unsafe_host=False)

    def _launch(self):
        from docker.types import LogConfig

        from harness.sandbox import images

        lim = self.limits
        tmp = f"size={max(64, (lim.file_size_mb or 64) * 4)}m,mode=1777"
        memory = f"{(lim.memory_mb or 4096) + 256}m"  # the child's own limit is RLIMIT_AS; this bounds the whole
        api = images.client().api
        host = api.create_host_config(
            network_mode="bridge" if self.network else "none", mem_limit=memory, memswap_limit=memory,
            pids_limit=(lim.processes or 256) + 4, auto_remove=True, log_config=LogConfig(type="none"),
            tmpfs={SCRATCH: tmp, "/tmp": tmp, "/var/tmp": tmp, "/dev/shm": tmp},
            security_opt=["no-new-privileges"], cap_drop=["ALL"], cap_add=["SETUID", "SETGID", "CHOWN"],
        )
        try:
            cid = api.create_container(
                self.image, command=["python3", "-I", "-S", f"{PLACE}/executor_worker.py", SCRATCH, self.profile, "[]",
                                     "65534"],
                entrypoint=[], user="0", stdin_open=True, working_dir="/", labels=images.sandbox_labels(),
                environment={"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"},
                host_config=host)["Id"]
        except Exception as e:
            raise ExecutorError(f"cannot create an executor container of {self.image}: {e}") from e
        container = images.client().containers.get(cid)
        try:
            container.put_archive("/", _worker_tar())
            sock = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            attached = Attached(container, sock)
            api.start(cid)
        except Exception as e:
            try:
                container.remove(force=True)
            except Exception:
                pass
            raise ExecutorError(f"cannot start an executor container of {self.image}: {e}") from e
        return attached, {"container": cid[:12], "image": self.image, "pids_cgroup": True, "jail": "docker"}


def _worker_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in FILES:
            data = (WORKER_DIR / name).read_bytes()
            info = tarfile.TarInfo(f"{PLACE.lstrip('/')}/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def python_image_or_error(image: str | None = None) -> str:
    """``python_image``, with Docker's own failures (no daemon, no SDK) as the executor's."""
    try:
        return python_image(image)
    except SandboxError as e:
        raise ExecutorError(str(e)) from e
