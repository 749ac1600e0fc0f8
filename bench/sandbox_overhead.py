"""Per-exec overhead of the local sandbox backend.

Runs the same trivial command (``true`` and ``python3 -c pass``) N times three ways and prints the
mean wall time of each, the overhead (local - bare) and the ratios:
  - in-process: the equivalent work without a new process (a Python function call),
  - bare: ``subprocess.run`` of the command,
  - local: ``LocalSession.exec``: a request to the session's agent in its bubblewrap jail, which
    forks the command as nobody, relays its bounded output and kills everything it left before
    answering (``--unsafe-host``: the same agent without the jail).
Also the cost of a session itself (open, which starts the jail, plus close), mean of N/10.

    python bench/sandbox_overhead.py [-n 200] [--unsafe-host]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.sandbox.local import LocalBackend


def timeit(fn, n: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.mean(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="executions per measurement")
    ap.add_argument("--unsafe-host", action="store_true", help="the local backend without its jail")
    args = ap.parse_args()
    backend = LocalBackend(unsafe_host=args.unsafe_host)
    with tempfile.TemporaryDirectory() as ws:
        Path(ws, "f.txt").write_text("x")
        t_session = timeit(lambda: backend.open(ws).close(), max(5, args.n // 10))
        print(f"session open + close: {t_session * 1e3:.1f} ms")
        session = backend.open(ws)
        try:
            print(f"local protections: {session.protections}")
            print(f"{'command':22} {'in-process':>11} {'bare':>9} {'local':>9} {'overhead':>9} {'local/bare':>11} "
                  f"{'local/in-proc':>14}")
            for label, argv, inproc in (
                ("true", ["true"], lambda: None),
                ("python3 -c pass", [sys.executable, "-c", "pass"], lambda: exec("pass")),
            ):
                t_in = timeit(inproc, args.n)
                t_bare = timeit(lambda argv=argv: subprocess.run(argv, capture_output=True), args.n)
                t_local = timeit(lambda argv=argv: session.exec(argv), args.n)
                print(
                    f"{label:22} {t_in * 1e3:9.4f}ms {t_bare * 1e3:7.2f}ms {t_local * 1e3:7.2f}ms "
                    f"{(t_local - t_bare) * 1e3:7.2f}ms {t_local / t_bare:10.2f}x {t_local / max(t_in, 1e-9):13.0f}x"
                )
        finally:
            session.close()


if __name__ == "__main__":
    main()
