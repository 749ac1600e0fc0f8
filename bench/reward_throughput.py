"""Rewards per second for a GRPO-shaped batch, engine vs one-at-a-time; HTTP server latency.

Batch: P prompts x G completions of Python stdin/stdout solutions, with the duplicates that GRPO
groups have (a few distinct answers per prompt).  Baseline: the same rewards computed one by one
with no cache (a fresh engine per completion with one worker, sharing the executor).  Server: N
requests of one group each from C client threads against ``serve-rewards`` on loopback.

    python bench/reward_throughput.py [--prompts 16 --group 8 --requests 200 --clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import urllib.request

from harness.benchmarks.executor import shared_executor
from harness.rewards.engine import EngineOptions, RewardEngine
from harness.rewards.server import serve

ANSWERS = ["print(int(input()) * {k})", "print(int(input()) + {k})", "print(int(input()) * {k}  )", "x = int(input())\nprint(x*{k})"]


def batch(prompts: int, group: int, salt: str) -> tuple[list[str], list[dict]]:
    comps, tasks = [], []
    for p in range(prompts):
        k = p + 2
        task = {"kind": "solution", "inputs": [f"{i}\n" for i in range(5)], "outputs": [f"{i * k}\n" for i in range(5)]}
        for g in range(group):
            code = ANSWERS[g % len(ANSWERS)].format(k=k) + f"  # {salt}"
            comps.append(f"```python\n{code}\n```")
            tasks.append(task)
    return comps, tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    executor = shared_executor()
    n = a.prompts * a.group
    comps, tasks = batch(a.prompts, a.group, "serial")
    t = time.perf_counter()
    for c, task in zip(comps, tasks, strict=True):
        RewardEngine(EngineOptions(workers=1), executor=executor).score([c], [task])
    serial = time.perf_counter() - t
    engine = RewardEngine(EngineOptions(workers=8), executor=executor)
    comps, tasks = batch(a.prompts, a.group, "engine")
    t = time.perf_counter()
    engine.score(comps, tasks)
    fast = time.perf_counter() - t
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus, executor workers {executor.size}")
    print(f"batch {a.prompts}x{a.group} = {n} completions ({len(set(comps))} distinct)")
    print(f"one at a time, no cache : {n / serial:8.1f} rewards/s ({serial:.2f}s)")
    print(f"engine (parallel, cache): {n / fast:8.1f} rewards/s ({fast:.2f}s)  -> {serial / fast:.1f}x")

    server = serve("127.0.0.1", 0, RewardEngine(EngineOptions(workers=8), executor=executor))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/get_reward"
    latencies: list[float] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        for r in range(a.requests // a.clients):
            q, lab = batch(1, a.group, f"http-{c}-{r}")
            body = json.dumps({"query": q, "prompts": [""] * len(q), "labels": [json.dumps(x) for x in lab]}).encode()
            t0 = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60).read()
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(a.clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    server.shutdown()
    q = statistics.quantiles(latencies, n=100)
    print(f"server: {len(latencies)} requests of {a.group} completions from {a.clients} clients: "
          f"p50 {q[49] * 1e3:.1f} ms, p99 {q[98] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
