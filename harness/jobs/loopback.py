"""A throwaway Ray cluster on loopback: a head and worker nodes as child processes of this one.

For the tests, the scale-out benchmark and trying ``--executor ray`` on one machine.  Every node is
a ``ray start --block`` in its own process group under a private temporary directory, so stopping
the cluster (or killing one node to simulate its loss) signals only those processes, never another
Ray on the machine (``ray stop`` would stop them all).
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, head_cpus: int = 1, head_resources: dict[str, float] | None = None, timeout: float = 60):
        ray = shutil.which("ray")
        if ray is None:
            raise RuntimeError("the `ray` command is not installed (pip install 'gauntlet[ray]')")
        self._ray = ray
        # Ray's socket paths must stay short (AF_UNIX limit): a short private directory under /tmp.
        self.dir = Path(tempfile.mkdtemp(prefix="gray-", dir="/tmp"))
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[subprocess.Popen] = []
        self._start(["--head", f"--port={self.port}", "--include-dashboard=false", "--temp-dir", str(self.dir),
                     f"--num-cpus={head_cpus}", f"--resources={json.dumps(head_resources or {})}"], "head")
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
        proc = subprocess.Popen([self._ray, "start", "--block", "--node-ip-address=127.0.0.1", "--disable-usage-stats", *args],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        log.close()
        self.nodes.append(proc)
        return proc

    def add_worker(self, cpus: int = 1, resources: dict[str, float] | None = None) -> subprocess.Popen:
        """A worker node joining the head (wait for it with ``wait_for_nodes`` from a connected driver
        before adding the next: nodes that start at once on one host can race for ports)."""
        return self._start([f"--address={self.address}", f"--num-cpus={cpus}",
                            f"--resources={json.dumps(resources or {})}"], f"worker{len(self.nodes)}")

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
