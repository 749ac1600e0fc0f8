"""A throwaway Ray cluster on loopback: a head and worker nodes as child processes of this one.

For tests (Gauntlet's own, or a plugin's or backend's under ``--runner ray``), the scale-out
benchmark and trying ``--runner ray`` on one machine; not part of the core.  Every node is
a ``ray start --block`` in its own process group under a private temporary directory, so stopping
the cluster (or killing one node to simulate its loss) signals only those processes, never another
Ray on the machine (``ray stop`` would stop them all).

Where a Docker engine answers, every node declares the custom resource ``docker`` (one unit per
CPU), as a real cluster's Docker nodes do (``ray start --resources='{"docker": N}'``); jobs on the
Docker backend request it.  All loopback nodes share this machine's one Docker engine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from harness.jobs.ray_auth import auth_env


def docker_answers(timeout: float = 10) -> bool:
    """Whether a Docker engine answers here: to the Docker SDK the sandbox backend uses, else
    (no SDK installed) to ``docker info``."""
    try:
        import docker  # noqa: F401
    except ImportError:
        cli = shutil.which("docker")
        if cli is None:
            return False
        try:
            return subprocess.run([cli, "info"], capture_output=True, timeout=timeout, check=False).returncode == 0
        except subprocess.TimeoutExpired:
            return False
    from harness.sandbox import SandboxError, images

    try:
        images.client()
        return True
    except SandboxError:
        return False


def _with_docker(cpus: int, resources: dict[str, float] | None, docker: int | str | None) -> dict[str, float]:
    """``resources`` plus ``docker``: a number of sandboxes, 0/None for none, "auto" for the node's
    CPUs where a Docker engine answers."""
    out = dict(resources or {})
    slots = (cpus if docker_answers() else 0) if docker == "auto" else (docker or 0)
    if slots:
        out["docker"] = slots
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, head_cpus: int = 1, head_resources: dict[str, float] | None = None, timeout: float = 60,
                 head_docker: int | str | None = "auto"):
        ray = shutil.which("ray")
        if ray is None:
            raise RuntimeError("the `ray` command is not installed (pip install 'gauntlet-harness[ray]')")
        self._ray = ray
        # Ray's socket paths must stay short (AF_UNIX limit): a short private directory under /tmp.
        self.dir = Path(tempfile.mkdtemp(prefix="gray-", dir="/tmp"))
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[subprocess.Popen] = []
        self._start(["--head", f"--port={self.port}", "--include-dashboard=false", "--temp-dir", str(self.dir),
                     f"--num-cpus={head_cpus}", f"--resources={json.dumps(_with_docker(head_cpus, head_resources, head_docker))}"],
                    "head")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the GCS answers on its port once the head is up
            if self.nodes[0].poll() is not None:
                raise RuntimeError(f"the Ray head did not start: {(self.dir / 'head.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("the Ray head did not open its port in time")

    def _start(self, args: list[str], label: str) -> subprocess.Popen:
        log = open(self.dir / f"{label}.log", "w")
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        env.pop("RAY_ADDRESS", None)
        env.update(auth_env(env))  # worker nodes join with --address: they present the token the head wants
        proc = subprocess.Popen([self._ray, "start", "--block", "--node-ip-address=127.0.0.1", "--disable-usage-stats", *args],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        log.close()
        self.nodes.append(proc)
        return proc

    def add_worker(self, cpus: int = 1, resources: dict[str, float] | None = None, docker: int | str | None = "auto"
                   ) -> subprocess.Popen:
        """A worker node joining the head (wait for it with ``wait_for_nodes`` from a connected driver
        before adding the next: nodes that start at once on one host can race for ports).  ``docker``:
        the sandboxes it declares (the ``docker`` resource); "auto": its CPUs where Docker answers."""
        return self._start([f"--address={self.address}", f"--num-cpus={cpus}",
                            f"--resources={json.dumps(_with_docker(cpus, resources, docker))}"], f"worker{len(self.nodes)}")

    @staticmethod
    def wait_for_nodes(count: int, timeout: float = 60) -> None:
        """Block until ``count`` nodes are alive (this process must be connected: ``ray.init``)."""
        import ray

        deadline = time.monotonic() + timeout
        while sum(n["Alive"] for n in ray.nodes()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {count} Ray nodes came up")
            time.sleep(0.2)

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """Kill one node at once (SIGKILL to its process group): a machine lost mid-run."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def close(self) -> None:
        live = [p for p in self.nodes if p.poll() is None]
        for proc in live:  # `ray start --block` stops its node's processes on SIGTERM
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        for proc in live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            self.kill(proc)  # whatever of the group is left
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "LoopbackCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
