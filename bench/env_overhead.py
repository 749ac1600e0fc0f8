"""Agent environment speed: tool-call overhead, run_tests overhead, many idle episodes.

1. File tools, warm: an episode's ``step`` (parse + schema check + tool + observation + trajectory
   entry) against the sandbox operation it wraps, on the same open session: read_file vs
   ``Session.read_file``, edit vs ``read_file`` + ``write_file``, search vs ``exec(grep)``.  Median of N.
2. run_tests: ``step(run_tests)`` (plugin hook: runner with a JUnit report, parsed per test) against
   the raw test command (``python3 -m pytest -q``) in the same session, on examples/python/slugify.
3. Idle episodes: open E episodes on the example at once and measure memory: the proportional set
   size (PSS) of this process and every process it started (the jails' agents), before and after,
   and the disk of their workspace copies.

    python bench/env_overhead.py [-n 200] [--episodes 32] [--out bench/results/env_overhead.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.env import Episode, EpisodeOptions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python" / "slugify"


def median_ms(fn, n: int) -> float:
    fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def descendants(pid: int) -> list[int]:
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


def pss_mb(pid: int) -> float:
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--test-runs", type=int, default=5)
    ap.add_argument("--episodes", type=int, default=32)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "env_overhead.json"))
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-env-"))
    repo = tmp / "slugify"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    task = {"kind": "repository", "repo": str(repo), "language": "python"}
    result: dict = {"machine": f"{os.cpu_count()} cores", "python": sys.version.split()[0]}
    ep = Episode(task, EpisodeOptions(max_steps=10**6, roles=()))
    ep.reset()
    s = ep.session
    path = "slugify/core.py"
    text = s.read_file(path).decode()
    tools = {}
    raw = median_ms(lambda: s.read_file(path), a.n)
    env = median_ms(lambda: ep.step({"name": "read_file", "arguments": {"path": path}}), a.n)
    tools["read_file"] = {"raw_ms": raw, "env_ms": env, "overhead_ms": env - raw}
    flip = {"on": False}

    def raw_edit():
        s.write_file(path, s.read_file(path).decode().replace("ascii_text", "ascii_txt") if not flip["on"] else text)
        flip["on"] = not flip["on"]

    def env_edit():
        old, new = ("ascii_text", "ascii_txt") if not flip["on"] else ("ascii_txt", "ascii_text")
        ep.step({"name": "edit", "arguments": {"path": path, "old": f"{old} = unicodedata", "new": f"{new} = unicodedata"}})
        flip["on"] = not flip["on"]

    raw = median_ms(raw_edit, a.n)
    s.write_file(path, text)
    flip["on"] = False
    env = median_ms(env_edit, a.n)
    s.write_file(path, text)
    tools["edit"] = {"raw_ms": raw, "env_ms": env, "overhead_ms": env - raw}
    argv = ["grep", "-rnI", "-F", "--exclude-dir=.git", "--exclude-dir=node_modules", "--exclude-dir=target",
            "-m", "50", "-e", "_NON_WORD", "--", "."]
    raw = median_ms(lambda: s.exec(argv), a.n)
    env = median_ms(lambda: ep.step({"name": "search", "arguments": {"pattern": "_NON_WORD"}}), a.n)
    tools["search"] = {"raw_ms": raw, "env_ms": env, "overhead_ms": env - raw}
    result["file_tools_warm"] = {k: {m: round(v, 3) for m, v in d.items()} for k, d in tools.items()}
    print(json.dumps(result["file_tools_warm"], indent=1), flush=True)

    raw = median_ms(lambda: s.exec(["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"]), a.test_runs) / 1000
    env = median_ms(lambda: ep.step({"name": "run_tests", "arguments": {}}), a.test_runs) / 1000
    result["run_tests"] = {"example": "examples/python/slugify", "raw_s": round(raw, 3), "env_s": round(env, 3),
                           "overhead_s": round(env - raw, 3), "runs": a.test_runs}
    print(json.dumps(result["run_tests"]), flush=True)
    ep.close()

    before = pss_mb(os.getpid())
    t0 = time.monotonic()
    eps = [Episode(task, EpisodeOptions(roles=())) for _ in range(a.episodes)]
    for e in eps:
        e.reset()
    opened = time.monotonic() - t0
    time.sleep(1)
    after = pss_mb(os.getpid())
    disk = sum(disk_mb(Path(e.session.workdir)) for e in eps)
    alive = sum(1 for e in eps if e.step({"name": "read_file", "arguments": {"path": path}}).ok)
    for e in eps:
        e.close()
    result["idle_episodes"] = {"episodes": a.episodes, "answering": alive, "open_seconds_total": round(opened, 2),
                               "pss_before_mb": round(before, 1), "pss_after_mb": round(after, 1),
                               "memory_per_episode_mb": round((after - before) / a.episodes, 2),
                               "workspace_disk_per_episode_mb": round(disk / a.episodes, 3)}
    print(json.dumps(result["idle_episodes"]), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
