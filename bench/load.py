"""Load: ``gauntlet serve-rewards`` (a real subprocess on loopback) under N mixed reward jobs, a
quarter of them hostile, from C client threads.  Does throughput hold over time, does the server's
memory stay flat, and is every request answered exactly once with the reward its job must get?

Jobs (one completion per request, each distinct so the engine's cache cannot absorb them):
benign Python solutions (correct, wrong answer, syntax error, malformed tool call) and hostile
ones (infinite loop, memory bomb, fork bomb, output flood) with a 1 s per-test time limit.  A 503
(the server's back-pressure) is retried after a pause and counted; anything else that is not a 200
with the expected reward counts as lost or wrong.  The server's RSS (and its process tree's, the
executor workers included) is sampled every half second.

    python bench/load.py [--jobs 1000 --clients 8 --window 5 --out bench/results/load.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

TASK = {"kind": "solution", "inputs": ["1 2\n", "40 2\n"], "outputs": ["3\n", "42\n"], "timeout": 1.0}
# kind -> (completion template, expected reward); {n} makes each job's code distinct.
BENIGN = {
    "correct": ("```python\na, b = map(int, input().split())  # job {n}\nprint(a + b)\n```", 1.0),
    "wrong_answer": ("```python\nprint(0)  # job {n}\n```", 0.1),
    "syntax_error": ("```python\ndef broken(  # job {n}\n```", -0.3),
    "malformed_call": ('{{"name": "submit", "arguments": {{"job": {n}}}}}', -1.0),
}
HOSTILE = {
    "infinite_loop": ("```python\nwhile True:  # job {n}\n    pass\n```", 0.1),
    "memory_bomb": ("```python\nhog = []  # job {n}\nwhile True:\n    hog.append(b'x' * (64 << 20))\n```", 0.1),
    "fork_bomb": ("```python\nimport os  # job {n}\nwhile True:\n    os.fork()\n```", 0.1),
    "output_flood": ("```python\nwhile True:  # job {n}\n    print('y' * 65536)\n```", 0.1),
}


def make_jobs(n: int, hostile_share: float, seed: int) -> list[dict]:
    rng = random.Random(seed)
    n_hostile = round(n * hostile_share)
    kinds = [list(HOSTILE)[i % len(HOSTILE)] for i in range(n_hostile)]
    kinds += [list(BENIGN)[i % len(BENIGN)] for i in range(n - n_hostile)]
    rng.shuffle(kinds)
    table = {**BENIGN, **HOSTILE}
    return [{"id": i, "kind": k, "hostile": k in HOSTILE, "completion": table[k][0].format(n=i), "expected": table[k][1]}
            for i, k in enumerate(kinds)]


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    argv = [sys.executable, "-m", "harness", "serve-rewards", "--port", "0", "--workers", str(workers)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "300"})
    line = proc.stdout.readline()
    m = re.search(r"http://([\d.]+):(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"serve-rewards did not start: {line!r}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
    url = f"http://{m.group(1)}:{m.group(2)}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("serve-rewards never answered /health")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the executor workers start in new sessions, not new parents)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def sample_memory(pid: int, t0: float, stop: threading.Event, samples: list) -> None:
    while not stop.is_set():
        samples.append((round(time.monotonic() - t0, 2), rss_kib(pid), sum(rss_kib(p) for p in tree(pid))))
        stop.wait(0.5)


def post(url: str, job: dict, timeout: float) -> tuple[int, dict | None]:
    body = json.dumps({"query": [job["completion"]], "prompts": [""], "labels": [TASK]}).encode()
    req = urllib.request.Request(url + "/get_reward", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def client(url: str, jobs: list[dict], lock: threading.Lock, t0: float, results: list, timeout: float) -> None:
    while True:
        with lock:
            if not jobs:
                return
            job = jobs.pop()
        start, busy = time.monotonic(), 0
        while True:
            try:
                code, doc = post(url, job, timeout)
            except OSError as e:  # connection refused / reset / timed out: the job is lost, not retried
                code, doc = -1, {"error": repr(e)}
            if code != 503:
                break
            busy += 1
            time.sleep(0.05 * min(busy, 20))
        end = time.monotonic()
        results.append({"id": job["id"], "kind": job["kind"], "hostile": job["hostile"], "status": code,
                        "reward": (doc or {}).get("rewards", [None])[0] if code == 200 else None,
                        "expected": job["expected"], "busy_retries": busy, "latency": end - start, "done": end - t0})


def windows(done: list[float], width: float) -> list[dict]:
    if not done:
        return []
    n = int(max(done) // width) + 1
    counts = Counter(int(t // width) for t in done)
    return [{"start_s": i * width, "jobs": counts.get(i, 0), "jobs_per_s": round(counts.get(i, 0) / width, 1)} for i in range(n)]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--hostile", type=float, default=0.25, help="share of hostile jobs")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4, help="serve-rewards --workers")
    ap.add_argument("--window", type=float, default=5.0, help="seconds per throughput window")
    ap.add_argument("--timeout", type=float, default=120.0, help="client timeout per request")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    a = ap.parse_args()

    jobs = make_jobs(a.jobs, a.hostile, a.seed)
    proc, url = start_server(a.workers)
    results: list[dict] = []
    samples: list[tuple] = []
    stop, lock = threading.Event(), threading.Lock()
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    sampler = threading.Thread(target=sample_memory, args=(proc.pid, t0, stop, samples), daemon=True)
    sampler.start()
    todo = list(reversed(jobs))
    threads = [threading.Thread(target=client, args=(url, todo, lock, t0, results, a.timeout)) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    stop.set()
    sampler.join()
    alive = proc.poll() is None
    proc.terminate()
    proc.wait(timeout=30)

    answered = Counter(r["id"] for r in results if r["status"] == 200)
    wrong = [r for r in results if r["status"] == 200 and r["reward"] != r["expected"]]
    lost = [r for r in results if r["status"] != 200]
    win = windows([r["done"] for r in results if r["status"] == 200], a.window)
    full = [w["jobs_per_s"] for w in win[:-1]] or [w["jobs_per_s"] for w in win]
    rss = [s[1] for s in samples]
    tree_rss = [s[2] for s in samples]
    third = max(1, len(rss) // 3)
    by_kind = {}
    for kind in {**BENIGN, **HOSTILE}:
        lat = [r["latency"] for r in results if r["kind"] == kind]
        by_kind[kind] = {"jobs": len(lat), "p50_s": round(pct(lat, 0.5), 3), "p99_s": round(pct(lat, 0.99), 3)}
    report = {
        "command": "python bench/load.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load0, 2), "load_average_after": round(os.getloadavg()[0], 2)},
        "setup": {"jobs": a.jobs, "hostile": sum(j["hostile"] for j in jobs), "clients": a.clients, "workers": a.workers,
                  "per_test_timeout_s": TASK["timeout"]},
        "wall_s": round(wall, 1),
        "window_s": a.window,
        "jobs_per_s": round(len(answered) / wall, 1),
        "answered_exactly_once": sum(1 for c in answered.values() if c == 1),
        "answered_twice": sum(1 for c in answered.values() if c > 1),
        "lost": len(lost) + (a.jobs - len(results)),
        "wrong_reward": len(wrong),
        "busy_503_retries": sum(r["busy_retries"] for r in results),
        "server_alive_at_end": alive,
        "throughput_windows": win,
        "throughput_full_windows": {"min": min(full), "median": statistics.median(full), "max": max(full),
                                    "first_half_median": statistics.median(full[: max(1, len(full) // 2)]),
                                    "second_half_median": statistics.median(full[len(full) // 2:])} if full else {},
        "server_rss_mib": {"first_third_median": round(statistics.median(rss[:third]) / 1024, 1),
                           "last_third_median": round(statistics.median(rss[-third:]) / 1024, 1),
                           "max": round(max(rss) / 1024, 1)} if rss else {},
        "server_tree_rss_mib": {"first_third_median": round(statistics.median(tree_rss[:third]) / 1024, 1),
                                "last_third_median": round(statistics.median(tree_rss[-third:]) / 1024, 1),
                                "max": round(max(tree_rss) / 1024, 1)} if tree_rss else {},
        "rss_samples": [{"t_s": t, "server_kib": s, "tree_kib": tr} for t, s, tr in samples],
        "latency_by_kind": by_kind,
        "examples_lost_or_wrong": [{k: r[k] for k in ("id", "kind", "status", "reward", "expected")} for r in (lost + wrong)[:10]],
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1) + "\n")
    a.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


def markdown(r: dict) -> str:
    s, tw, rss, trss = r["setup"], r["throughput_full_windows"], r["server_rss_mib"], r["server_tree_rss_mib"]
    rows = "\n".join(f"| {k} | {v['jobs']} | {v['p50_s']} | {v['p99_s']} |" for k, v in r["latency_by_kind"].items())
    wins = ", ".join(str(w["jobs_per_s"]) for w in r["throughput_windows"])
    m = r["machine"]
    return f"""# Load: serve-rewards under mixed and hostile jobs

`{r['command']}` ({m['cpus']} CPUs, load average {m['load_average_before']} before, {m['load_average_after']} after)

{s['jobs']} jobs, {s['hostile']} hostile (infinite loop, memory bomb, fork bomb, output flood; {s['per_test_timeout_s']} s
per-test limit), from {s['clients']} clients; server `--workers {s['workers']}`.

- wall {r['wall_s']} s, {r['jobs_per_s']} jobs/s overall
- answered exactly once: {r['answered_exactly_once']}; twice: {r['answered_twice']}; lost: {r['lost']}; wrong reward:
  {r['wrong_reward']}; 503 retries: {r['busy_503_retries']}; server alive at the end: {r['server_alive_at_end']}
- jobs/s per {r['window_s']:g} s window: {wins} (full windows: min {tw.get('min')}, median {tw.get('median')},
  max {tw.get('max')}; median of the first half {tw.get('first_half_median')}, of the second half
  {tw.get('second_half_median')})
- server RSS (MiB): median {rss.get('first_third_median')} over the first third of the run, {rss.get('last_third_median')}
  over the last third, max {rss.get('max')}; with its executor workers and their children:
  {trss.get('first_third_median')} -> {trss.get('last_third_median')}, max {trss.get('max')}

| job kind | jobs | p50 latency (s) | p99 latency (s) |
| --- | --- | --- | --- |
{rows}
"""


if __name__ == "__main__":
    main()
