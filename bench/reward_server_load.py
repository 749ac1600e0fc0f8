"""A whole OpenRLHF rollout at once against ``gauntlet serve-rewards`` (a real subprocess on loopback).

OpenRLHF (0.9.1 and later) posts each sample alone, all of a rollout's samples at the same time,
through ``SingleTurnAgentExecutor._fetch_rewards_via_http`` (aiohttp, 180 s per try, 5 tries 1 s
apart).  This script calls that very method of the installed OpenRLHF for N samples concurrently
(default 1,000, each a distinct Python solution so the cache absorbs none of them: a quarter right,
the rest wrong answers, syntax errors and answers with no code) and records: samples dropped (the
client gave up: OpenRLHF would get ``reward=None``), wrong rewards, latency per sample (first try to
answer, retries included; p50 / p99), the server's 503 count and its RSS.

    python bench/reward_server_load.py [--samples 1000 --workers 4 --out bench/results/reward_server_load.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

TASK = json.dumps({"kind": "solution", "language": "python", "inputs": ["1 2\n", "40 2\n"], "outputs": ["3\n", "42\n"]})
PROMPT = "<|user|>Read two integers and print their sum.<|assistant|>"
KINDS = {  # completion template ({n} makes each distinct), expected reward
    "correct": ("```python\na, b = map(int, input().split())  # sample {n}\nprint(a + b)\n```", 1.0),
    "wrong_answer": ("```python\nprint({n})\n```", 0.1),
    "syntax_error": ("```python\ndef broken(  # sample {n}\n```", -0.3),
    "no_code": ("I think the answer is {n}.", -1.0),
}


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    argv = [sys.executable, "-m", "harness", "serve-rewards", "--port", "0", "--workers", str(workers)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "300"})
    line = proc.stdout.readline()
    m = re.search(r"http://([\d.]+):(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"serve-rewards did not start: {line!r}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
    return proc, f"http://{m.group(1)}:{m.group(2)}"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def rollout(url: str, samples: list[dict]) -> list[dict]:
    from openrlhf.utils.agent import SingleTurnAgentExecutor  # imported before the clock starts (main)

    executor = SingleTurnAgentExecutor(url + "/get_reward")

    async def one(s: dict) -> dict:
        start = time.monotonic()
        try:
            [doc] = await executor._fetch_rewards_via_http([PROMPT + s["completion"]], [PROMPT], [TASK])
            reward = doc["rewards"][0]
        except Exception as e:  # the client gave up after its 5 tries: OpenRLHF's reward=None
            reward, s["error"] = None, repr(e)[:200]
        return {**s, "reward": reward, "latency": time.monotonic() - start}

    return await asyncio.gather(*(one(s) for s in samples))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=4, help="serve-rewards --workers")
    ap.add_argument("--out", type=Path, default=Path("bench/results/reward_server_load.json"))
    a = ap.parse_args()

    kinds = list(KINDS)
    samples = [{"id": i, "kind": kinds[i % 4], "completion": KINDS[kinds[i % 4]][0].format(n=i),
                "expected": KINDS[kinds[i % 4]][1]} for i in range(a.samples)]
    import openrlhf.utils.agent  # noqa: F401  (seconds of imports, not part of the figure)

    proc, url = start_server(a.workers)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        load0, rss0, t0 = os.getloadavg()[0], rss_mib(proc.pid), time.monotonic()
        peak = [rss0]
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], rss_mib(proc.pid))

        threading.Thread(target=watch, daemon=True).start()
        results = asyncio.run(rollout(url, samples))
        wall = time.monotonic() - t0
        stop.set()
        health = json.load(urllib.request.urlopen(url + "/health", timeout=10))
    finally:
        proc.terminate()
        proc.wait(30)
    lat = [r["latency"] for r in results if r["reward"] is not None]
    report = {
        "command": "python bench/reward_server_load.py " + " ".join(sys.argv[1:]),
        "client": "openrlhf " + __import__("importlib.metadata").metadata.version("openrlhf")
                  + " SingleTurnAgentExecutor._fetch_rewards_via_http, one POST per sample, all at once",
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load0, 2), "load_average_after": round(os.getloadavg()[0], 2)},
        "samples": a.samples, "workers": a.workers, "wall_s": round(wall, 1),
        "answered": len(lat), "dropped": sum(r["reward"] is None for r in results),
        "wrong_reward": sum(r["reward"] is not None and r["reward"] != r["expected"] for r in results),
        "latency_p50_s": round(pct(lat, 0.5), 2), "latency_p99_s": round(pct(lat, 0.99), 2),
        "latency_max_s": round(max(lat, default=float("nan")), 2),
        "server": {k: health.get(k) for k in ("samples", "infra_failures", "busy", "timeouts", "cache_hits")},
        "server_rss_mib": {"before": round(rss0, 1), "peak": round(peak[0], 1)},
        "errors": sorted({r["error"] for r in results if "error" in r})[:5],
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
