"""Docker backend overhead, side by side with the local backend and a bare subprocess.

Measures (mean of N): cold ``docker run --rm IMAGE true``; a new container (create + copy +
first exec + close); an exec in a warm pooled container; the local backend's exec; a bare
``subprocess.run``.  Needs a Docker daemon and the Python language image
(``bash ci/docker-setup.sh``).

    GAUNTLET_BASE_IMAGE=gauntlet-base:bookworm python bench/sandbox_overhead_docker.py [-n 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from gauntlet_python.image import spec

from harness.sandbox import Limits, images
from harness.sandbox.docker import DockerBackend
from harness.sandbox.local import LocalBackend


def mean_ms(fn, n: int) -> float:
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.mean(samples) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20)
    a = ap.parse_args()
    image = images.build(spec())
    docker_backend = DockerBackend()
    with tempfile.TemporaryDirectory() as ws:
        Path(ws, "f.txt").write_text("x")
        lim = Limits(timeout=60)
        bare = mean_ms(lambda: subprocess.run(["true"], capture_output=True), a.n)
        local = LocalBackend().open(ws, limits=lim)
        local_exec = mean_ms(lambda: local.exec(["true"]), a.n)
        local.close()
        cold = mean_ms(lambda: subprocess.run(["docker", "run", "--rm", "--network", "none", image, "true"],
                                              capture_output=True), max(3, a.n // 4))

        def fresh():
            s = docker_backend.open(ws, image=spec(), limits=Limits(timeout=59.0 + time.perf_counter() % 1))  # unique key: no reuse
            s.exec(["true"])
            s.close()

        new_container = mean_ms(fresh, max(3, a.n // 4))
        warm = docker_backend.open(ws, image=spec(), limits=lim)
        warm_exec = mean_ms(lambda: warm.exec(["true"]), a.n)
        warm.close()
        reopen = mean_ms(lambda: docker_backend.open(ws, image=spec(), limits=lim).close(), a.n)
    print(f"{'what':44} {'ms':>8} {'x bare':>8} {'x local':>8}")
    for label, ms in [("bare subprocess.run(['true'])", bare), ("local backend exec", local_exec),
                      ("docker run --rm (cold container)", cold), ("docker: new container + copy + exec + close", new_container),
                      ("docker: session from the warm pool (open+close)", reopen), ("docker: exec in a warm container", warm_exec)]:
        print(f"{label:44} {ms:8.1f} {ms / bare:8.1f} {ms / local_exec:8.1f}")


if __name__ == "__main__":
    main()
