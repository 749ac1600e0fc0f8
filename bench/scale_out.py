"""Scale-out: the same batches through the local job runner and through Ray with 1 and 2 worker
nodes (a loopback cluster: a head with no CPUs for jobs, workers of one CPU each), plus Ray's
per-job overhead.

Batches:
- sandbox: repository reward checks of the bundled Python example (copy, patch, pytest, ruff in a
  local sandbox; about a second each), alternately a fix and a broken patch;
- solutions: HumanEval problems, canonical and a wrong completion each (milliseconds per job: the
  case where scheduling overhead shows).
Overhead: a no-op job one at a time (round trip) and pipelined (jobs/s).  Each configuration first
runs a warm-up (Ray starts and imports its worker processes), then the timed batches; every
configuration's outcomes are checked against the local runner's.

    python bench/scale_out.py [--sandbox-jobs 24 --problems 164 --noop 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from harness.benchmarks import humaneval as he
from harness.benchmarks.executor import Executor
from harness.jobs import get_runner
from harness.jobs.trees import pack
from harness.rewards.engine import EngineOptions, score_job
from harness.testing.loopback import LoopbackCluster

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"
OUT = Path(__file__).resolve().parent / "results" / "scale_out.json"


def noop() -> None:
    return None


def sandbox_job(task: dict, patch: str, tree: bytes) -> dict:
    return score_job(task, patch, EngineOptions(workers=1), tree).to_dict()


def batches(n_sandbox: int, n_problems: int):
    task = {"kind": "repository", "repo": str(EXAMPLE), "language": "python"}
    patches = [(EXAMPLE / "fix.diff").read_text(), (EXAMPLE / "broken.diff").read_text()]
    tree = pack(EXAMPLE)
    sandbox = [(f"s{i}", (task, patches[i % 2], tree)) for i in range(n_sandbox)]
    problems = list(he.load_problems().values())[:n_problems]
    solutions = [(p["task_id"], (p, [p["canonical_solution"], "    return None\n"], 3.0)) for p in problems]
    return sandbox, solutions


def timed(jobs, fn, batch) -> tuple[float, dict]:
    t = time.perf_counter()
    out = {r.job_id: (r.value if r.ok else ("infra", r.error)) for r in jobs.map(fn, batch)}
    return time.perf_counter() - t, out


def overhead(jobs, n: int) -> dict:
    one = []
    for _ in range(min(n, 50)):
        t = time.perf_counter()
        jobs.call(noop)
        one.append(time.perf_counter() - t)
    t = time.perf_counter()
    list(jobs.map(noop, [(str(i), ()) for i in range(n)]))
    piped = time.perf_counter() - t
    return {"round_trip_ms_median": round(1000 * statistics.median(one), 2),
            "round_trip_ms_p90": round(1000 * sorted(one)[int(0.9 * len(one))], 2),
            "pipelined_jobs_per_s": round(n / piped, 1)}


def measure(jobs, sandbox, solutions, n_noop, grade=he.grade_job) -> dict:
    """``grade``: the solution job (locally ``gauntlet humaneval``'s own path: one warm executor of
    as many workers as threads)."""
    list(jobs.map(sandbox_job, sandbox[: 2 * jobs.capacity]))  # warm-up: worker processes, session caches
    list(jobs.map(grade, solutions[: 2 * jobs.capacity]))
    s_time, s_out = timed(jobs, sandbox_job, sandbox)
    h_time, h_out = timed(jobs, grade, solutions)
    return {"capacity": jobs.capacity,
            "sandbox": {"jobs": len(sandbox), "seconds": round(s_time, 2), "jobs_per_s": round(len(sandbox) / s_time, 2)},
            "solutions": {"jobs": len(solutions), "seconds": round(h_time, 2), "jobs_per_s": round(len(solutions) / h_time, 1)},
            "overhead": overhead(jobs, n_noop)}, (s_out, h_out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sandbox-jobs", type=int, default=24)
    ap.add_argument("--problems", type=int, default=164)
    ap.add_argument("--noop", type=int, default=200)
    args = ap.parse_args()
    import ray

    sandbox, solutions = batches(args.sandbox_jobs, args.problems)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "ray": ray.__version__,
                                 "load_before": os.getloadavg()[0]},
                     "command": "python bench/scale_out.py " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items())}
    local = get_runner("local", workers=2)
    with Executor(2, profile="lean") as ex:
        results["local (2 threads)"], reference = measure(local, sandbox, solutions, args.noop,
                                                          lambda p, comps, t: he.grade_task(ex, p, comps, t))
    print("local", json.dumps(results["local (2 threads)"]), flush=True)
    for workers in (1, 2):
        with LoopbackCluster(head_cpus=0) as cluster:
            jobs = get_runner("ray", address=cluster.address)
            try:
                for n in range(workers):  # one at a time: two nodes starting at once on one host can race for ports
                    cluster.add_worker(cpus=1)
                    cluster.wait_for_nodes(2 + n, timeout=120)
                label = f"ray ({workers} worker node{'s' if workers > 1 else ''} x 1 CPU)"
                results[label], outcomes = measure(jobs, sandbox, solutions, args.noop)
                results[label]["same_outcomes_as_local"] = outcomes == reference
                print(label, json.dumps(results[label]), flush=True)
            finally:
                jobs.close()
                ray.shutdown()
    results["machine"]["load_after"] = os.getloadavg()[0]
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"-> {OUT}")


if __name__ == "__main__":
    main()
