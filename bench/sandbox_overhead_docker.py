"""Docker backend overhead, side by side with the local backend and a bare subprocess.

Measures (median of N, milliseconds): a bare ``subprocess.run``; the local backend's exec; a cold
``docker run --rm IMAGE true``; a new container (create + copy + first exec + close); a session
from the warm pool (open + close: reset and copy); an exec in a warm container through the
in-container agent, and through ``docker exec`` (``GAUNTLET_DOCKER_AGENT=0``, the path of images
without Python).  Each exec runs ``true`` (pure overhead) and ``python3 -c pass`` (a real start).
Needs a Docker daemon and the Python language image (``bash ci/docker-setup.sh``).

    GAUNTLET_BASE_IMAGE=gauntlet-base:bookworm python bench/sandbox_overhead_docker.py [-n 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gauntlet_python.image import image_spec as spec

from harness.sandbox import Limits, images
from harness.sandbox.docker import DockerBackend
from harness.sandbox.local import LocalBackend

TRUE = ["true"]
PY = ["python3", "-I", "-c", "pass"]  # on the host: this interpreter (a pyenv shim would add ~150 ms)


def median_ms(fn, n: int) -> float:
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=30)
    a = ap.parse_args()
    n, few = a.n, max(3, a.n // 5)
    image = images.build(spec())
    backend = DockerBackend()
    rows: list[tuple[str, float, float | None]] = []  # label, ms for `true`, ms for `python3 -c pass`
    with tempfile.TemporaryDirectory() as ws:
        Path(ws, "f.txt").write_text("x")
        lim = Limits(timeout=60)
        host_py = [sys.executable, *PY[1:]]
        rows.append(("bare subprocess.run", median_ms(lambda: subprocess.run(TRUE), n),
                     median_ms(lambda: subprocess.run(host_py), n)))
        with LocalBackend().open(ws, limits=lim) as s:
            rows.append(("local backend exec", median_ms(lambda: s.exec(TRUE), n), median_ms(lambda: s.exec(host_py), n)))
        docker_run = ["docker", "run", "--rm", "--network", "none", "--entrypoint", ""]
        rows.append(("docker run --rm (cold container)",
                     median_ms(lambda: subprocess.run([*docker_run, image, *TRUE], capture_output=True), few),
                     median_ms(lambda: subprocess.run([*docker_run, image, *PY], capture_output=True), few)))

        def fresh():  # a limits value never used before: nothing to reuse
            with backend.open(ws, image=spec(), limits=Limits(timeout=100 + time.perf_counter())) as s:
                s.exec(TRUE)

        rows.append(("docker: new container + copy + exec + close", median_ms(fresh, few), None))
        rows.append(("docker: session from the warm pool (open+close)",
                     median_ms(lambda: backend.open(ws, image=spec(), limits=lim).close(), n), None))
        with backend.open(ws, image=spec(), limits=lim) as s:
            assert s._ct.agent
            rows.append(("docker: exec in a warm container (agent)", median_ms(lambda: s.exec(TRUE), n),
                         median_ms(lambda: s.exec(PY), n)))
        os.environ["GAUNTLET_DOCKER_AGENT"] = "0"
        with backend.open(ws, image=spec(), limits=Limits(timeout=61)) as s:
            assert not s._ct.agent
            rows.append(("docker: exec in a warm container (docker exec)", median_ms(lambda: s.exec(TRUE), n),
                         median_ms(lambda: s.exec(PY), n)))
    bare, local = rows[0][1], rows[1][1]
    print(f"{'median of ' + str(n) + ' (ms)':49} {'true':>7} {'x bare':>7} {'x local':>7} {'py -c pass':>10}")
    for label, ms, py in rows:
        print(f"{label:49} {ms:7.1f} {ms / bare:7.1f} {ms / local:7.1f} {'' if py is None else f'{py:10.1f}'}")
    warm = rows[5][1]
    print(f"\nwarm exec overhead (agent, `true`): {warm:.1f} ms; target <= 50 ms: {'met' if warm <= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
