"""Load: the evaluator (``gauntlet swebench``, own environment, local backend, a real subprocess)
over N SWE-bench-format instances on the bundled example project, a quarter of the predictions
hostile.  Does throughput hold over the run, does the evaluator's memory stay flat, is every
instance reported exactly once in ``results.jsonl`` with the verdict its prediction must get, and
is nothing left behind (processes, sandbox directories)?

The instances are the bundled ``examples/python/slugify`` project at a base commit, its
``fix.diff`` as the gold patch and a new test module as the test patch (built as
``tests/swe_fixtures.py`` builds the test suite's instances), one instance per job.  Predictions
(each distinct, by a job-numbered comment line):

- benign: the gold fix (resolved), an empty patch and a wrong fix (unresolved), a patch that does
  not apply (patch_failed);
- hostile, patched into the function under test: an infinite loop (the eval ``--timeout``), a
  memory bomb (the sandbox's memory limit, or the timeout if it fires first), a fork bomb (the
  process limit, or the timeout), an output flood (pytest's capture file hits the file-size limit,
  or the timeout), a patch that deletes the workspace, one that kills its parent and process
  group, and the gold fix plus a daemon that tries to outlive the run (resolved: its daemon must
  be gone afterwards).

Every verdict is checked against the evaluator's own record, and a hostile one also against the
limit its ``test_output.txt`` names.  The evaluator's RSS (main process, and its whole process
tree: sandboxes and test runs) is sampled every half second; completions are timed as their
records land in ``results.jsonl``.  ``--kill-at F`` SIGKILLs the evaluator once a fraction F of
the instances is recorded and starts the same command again (it resumes).

    python bench/load_evaluator.py [--jobs 400 --workers 2 --timeout 10 --window 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from load import pct, sample_memory, windows  # noqa: E402  (bench/load.py)
from swe_fixtures import diff_of, make_instance  # noqa: E402

EXAMPLE = ROOT / "examples" / "python" / "slugify"
REPO = "example/slugify"
TAG = "# gauntlet-load job 000000"  # every patch carries it; the job number makes each distinct
NEW_TESTS = '''from slugify import slugify


def test_no_empty_words():
    assert slugify("  Hello,  World!  ") == "hello-world"


def test_plain_words():
    assert slugify("hello world") == "hello-world"
'''
TEST_MODULE = "tests/test_load.py"
F2P = [f"{TEST_MODULE}::test_no_empty_words"]
P2P = [f"{TEST_MODULE}::test_plain_words"]

# Code put at the top of slugify() (the function both tests call) by the hostile predictions.
HOSTILE_CODE = {
    "infinite_loop": "    while True:\n        pass\n",
    "memory_bomb": "    blocks = []\n    while True:\n        blocks.append(b'\\1' * (16 << 20))\n",
    "fork_bomb": ("    import os, time\n    while True:\n        if os.fork() == 0:\n"
                  "            time.sleep(60)\n            os._exit(0)\n"),
    "output_flood": "    while True:\n        print('x' * 65535)\n",
    "delete_workspace": "    import os, shutil\n    shutil.rmtree(os.getcwd(), ignore_errors=True)\n",
    "kill_parent": ("    import os, signal\n    for target in (os.getppid(), -1, 0):\n        try:\n"
                    "            os.kill(target, signal.SIGKILL)\n        except OSError:\n            pass\n"),
    "daemon": ("    import os\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
               "            os.execvp('sleep', ['sleep', '{daemon}'])\n        os._exit(0)\n    os.wait()\n"),
}
# kind -> (expected status, the limits of which test_output.txt must name one, or ()).  The
# evaluator's sandbox limits are SWE-bench's (8 GiB, 4,096 processes, 1 GiB files): a bomb may
# still be short of them when the eval timeout fires, and then "timeout" is the right verdict.
EXPECTED = {
    "gold": ("resolved", ()),
    "empty": ("unresolved", ()),
    "wrong_fix": ("unresolved", ()),
    "no_apply": ("patch_failed", ()),
    "infinite_loop": ("unresolved", ("timeout",)),
    "memory_bomb": ("unresolved", ("memory", "timeout")),
    "fork_bomb": ("unresolved", ("processes", "timeout")),
    "output_flood": ("unresolved", ("file_size", "timeout")),
    "delete_workspace": ("unresolved", ()),
    "kill_parent": ("unresolved", ()),
    "daemon": ("resolved", ()),
}
BENIGN = ("gold", "empty", "wrong_fix", "no_apply")
HOSTILE = tuple(HOSTILE_CODE)
# What the eval's output says when a limit stopped the tests (lower case).
# Eval-script instances: pytest's output and swebench's timeout line; plugin-run instances: the
# test runner's error in run_instance.log.
LIMIT_SIGNS = {
    "timeout": ("tests timed out", "did not finish within"),
    "memory": ("memoryerror", "sandbox's memory limit"),
    "processes": ("resource temporarily unavailable", "sandbox's processes limit"),
    "file_size": ("file too large", "sandbox's file_size limit"),
}


def named_limits(text: str) -> list[str]:
    low = text.lower()
    return [limit for limit, signs in LIMIT_SIGNS.items() if any(s in low for s in signs)]


def build(work: Path, n: int, hostile_share: float, native_share: float, seed: int) -> tuple[Path, Path, list[dict]]:
    """The dataset and predictions files of ``n`` jobs, and the jobs (id, kind, expected verdict).
    A share ``native_share`` of the instances (every k-th) are plugin-run ("gauntlet" parser: the
    Python plugin runs the tests) instead of running the eval script."""
    base = {str(p.relative_to(EXAMPLE)): p.read_text() for p in EXAMPLE.rglob("*") if p.is_file() and p.suffix != ".diff"}
    core = base["slugify/core.py"]
    fixed = core.replace("words = _NON_WORD.split(ascii_text.lower())",
                         "words = [w for w in _NON_WORD.split(ascii_text.lower()) if w]")
    assert fixed != core
    repos = work / "repos"
    inst = make_instance(repos, REPO, base, {"slugify/core.py": fixed}, {TEST_MODULE: NEW_TESTS},
                         test_command=f"python -m pytest -rA -p no:cacheprovider {TEST_MODULE}",
                         log_parser="parse_log_pytest", fail_to_pass=F2P, pass_to_pass=P2P)
    repo_dir = repos / REPO.replace("/", "__")

    def patched(body: str, source: str = core) -> str:
        marked = source.replace('    """\n    ascii_text', f'    """\n    {TAG}\n{body}    ascii_text', 1)
        assert marked != source
        return diff_of(repo_dir, {"slugify/core.py": marked})

    templates = {
        "gold": patched("", fixed),
        "wrong_fix": patched("", core.replace('separator: str = "-"', 'separator: str = "_"')),
        "no_apply": patched("", fixed).replace("-    words = _NON_WORD", "-    words = _NOT_THERE"),
        **{k: patched(v, fixed if k == "daemon" else core) for k, v in HOSTILE_CODE.items()},
    }
    rng = random.Random(seed)
    n_hostile = round(n * hostile_share)
    kinds = [HOSTILE[i % len(HOSTILE)] for i in range(n_hostile)] + [BENIGN[i % len(BENIGN)] for i in range(n - n_hostile)]
    rng.shuffle(kinds)
    jobs, rows, preds = [], [], []
    for i, kind in enumerate(kinds):
        iid = f"{REPO.replace('/', '__')}-{i}"
        native = native_share > 0 and int((i + 1) * native_share) > int(i * native_share)
        rows.append({**inst, "instance_id": iid, **({"log_parser": "gauntlet", "language": "python"} if native else {})})
        patch = ""
        if kind != "empty":
            patch = templates[kind].replace(TAG, f"# gauntlet-load job {i:06d}")
            patch = patch.replace("{daemon}", f"{1000 + i}.{seed:06d}")  # a unique sleep to look for afterwards
        preds.append({"instance_id": iid, "model_name_or_path": "load", "model_patch": patch})
        status, limits = EXPECTED[kind]
        jobs.append({"id": iid, "kind": kind, "hostile": kind in HOSTILE, "native": native, "status": status, "limits": limits})
    dataset, predictions = work / "dataset.jsonl", work / "preds.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    predictions.write_text("".join(json.dumps(p) + "\n" for p in preds))
    return dataset, predictions, jobs


def read_records(path: Path) -> list[dict]:
    out = []
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a torn last line (a killed run): the evaluator truncates it on resume
    return out


def host_used_mib() -> int:
    """MemTotal - MemAvailable: the host's memory in use (a fork bomb's copies share their pages,
    which a sum of RSS over the process tree counts once per process)."""
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return (int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) // 1024


def follow(results: Path, t0: float, stop: threading.Event, seen: dict, host: list) -> None:
    """Time each instance's first record as it lands in results.jsonl; sample the host's memory."""
    while not stop.is_set():
        for rec in read_records(results):
            seen.setdefault(rec["task_id"], round(time.monotonic() - t0, 2))
        host.append((round(time.monotonic() - t0, 2), host_used_mib()))
        stop.wait(0.5)


def leftovers(work: Path, daemons: list[str]) -> dict:
    """Processes running in the bench's directories or carrying a daemon's sleep, and sandbox directories left."""
    procs = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(d / "cwd")
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(work)) or any(s in cmd for s in daemons):
            procs.append(f"{d.name}: {cmd[:120]} (cwd {cwd})")
    tmp = work / "tmp"
    return {"processes": procs, "sandbox_dirs": sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=400)
    ap.add_argument("--hostile", type=float, default=0.25, help="share of hostile predictions")
    ap.add_argument("--workers", type=int, default=2, help="gauntlet swebench --workers")
    ap.add_argument("--timeout", type=float, default=10.0, help="gauntlet swebench --timeout (per instance eval)")
    ap.add_argument("--window", type=float, default=30.0, help="seconds per throughput window")
    ap.add_argument("--native", type=float, default=0.5, help="share of plugin-run (generated-task style) instances")
    ap.add_argument("--kill-at", type=float, default=None, help="SIGKILL the evaluator once this share is recorded, then resume")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None, help="default: a new temporary directory, removed afterwards")
    ap.add_argument("--out", type=Path, default=Path("bench/results/load_evaluator.json"))
    a = ap.parse_args()

    work = (a.workdir or Path(tempfile.mkdtemp(prefix="gauntlet-load-eval-"))).resolve()
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    dataset, predictions, jobs = build(work, a.jobs, a.hostile, a.native, a.seed)
    argv = [sys.executable, "-m", "harness", "swebench", "--dataset", str(dataset), "--predictions", str(predictions),
            "--mode", "own", "--backend", "local", "--repos", str(work / "repos"), "--workers", str(a.workers),
            "--timeout", str(a.timeout), "--run-id", "load", "--output", str(work / "out")]
    # Sandbox workspaces go to the bench's own TMPDIR: what is left there afterwards leaked.
    env = {**os.environ, "TMPDIR": str(work / "tmp"), "COLUMNS": "200", "TERM": "dumb"}
    results = work / "out" / "load" / "results.jsonl"
    samples: list[tuple] = []
    seen: dict[str, float] = {}
    host: list[tuple] = []
    host0 = host_used_mib()
    stop = threading.Event()
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    follower = threading.Thread(target=follow, args=(results, t0, stop, seen, host), daemon=True)
    follower.start()
    starts, exits, killed = [], [], 0
    while True:
        log = open(work / f"evaluator-{len(starts)}.log", "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
        starts.append(round(time.monotonic() - t0, 2))
        stop_sampler = threading.Event()
        sampler = threading.Thread(target=sample_memory, args=(proc.pid, t0, stop_sampler, samples), daemon=True)
        sampler.start()
        if a.kill_at is not None and not killed:
            while proc.poll() is None and len(seen) < a.kill_at * a.jobs:
                time.sleep(0.2)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the evaluator and everything in its session
                killed += 1
        rc = proc.wait()
        stop_sampler.set()
        sampler.join()
        log.close()
        exits.append(rc)
        if not (killed and len(exits) == 1):
            break
    wall = time.monotonic() - t0
    time.sleep(1.0)
    stop.set()
    follower.join()
    for rec in read_records(results):
        seen.setdefault(rec["task_id"], round(wall, 2))

    # -- the checks ---------------------------------------------------------------------------------
    records = read_records(results)
    per_id = Counter(r["task_id"] for r in records)
    final = {r["task_id"]: r for r in records}
    run_dir = work / "out" / "load"
    wrong = []
    for job in jobs:
        rec = final.get(job["id"])
        if rec is None:
            continue
        log_dir = run_dir / "load" / job["id"]
        text = ""
        for name in ("test_output.txt", "run_instance.log"):
            try:
                text += (log_dir / name).read_text(errors="replace")
            except FileNotFoundError:
                pass
        named = named_limits(text)
        job["got"], job["named"] = rec["status"], named
        job["ok"] = rec["status"] == job["status"] and (not job["limits"] or bool(set(named) & set(job["limits"])))
        if not job["ok"]:
            wrong.append({"id": job["id"], "kind": job["kind"], "expected": [job["status"], job["limits"]],
                          "got": [rec["status"], named], "error": rec.get("error")})
    summary_files = sorted(p.name for p in run_dir.glob("load.load.json"))
    daemons = [f"sleep {1000 + int(j['id'].rsplit('-', 1)[1])}.{a.seed:06d}" for j in jobs if j["kind"] == "daemon"]
    left = leftovers(work, daemons)
    for line in left["processes"]:  # recorded above; ours to end (they run in the bench's directories)
        try:
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
        except OSError:
            pass

    win = windows([seen[j["id"]] for j in jobs if j["id"] in seen], a.window)
    full = [w["jobs_per_s"] for w in win[:-1]] or [w["jobs_per_s"] for w in win]
    rss = [s[1] for s in samples]
    tree_rss = [s[2] for s in samples]
    third = max(1, len(rss) // 3)
    by_kind = {}
    for kind in EXPECTED:
        mine = [j for j in jobs if j["kind"] == kind]
        secs = [final[j["id"]]["total_seconds"] for j in mine if j["id"] in final]
        by_kind[kind] = {"jobs": len(mine), "expected": EXPECTED[kind][0], "limits": list(EXPECTED[kind][1]),
                         "as_expected": sum(1 for j in mine if j.get("ok")),
                         "limit_named": dict(Counter(lim for j in mine for lim in j.get("named", []))),
                         "p50_s": round(pct(secs, 0.5), 2), "p99_s": round(pct(secs, 0.99), 2)}
    report = {
        "command": "python bench/load_evaluator.py " + " ".join(sys.argv[1:]),
        "evaluator_command": " ".join(["gauntlet", *argv[3:]]).replace(str(work), "$WORK"),
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load0, 2), "load_average_after": round(os.getloadavg()[0], 2),
                    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "setup": {"jobs": a.jobs, "hostile": sum(j["hostile"] for j in jobs), "plugin_run": sum(j["native"] for j in jobs),
                  "workers": a.workers, "timeout_s": a.timeout,
                  "kill_at": a.kill_at},
        "wall_s": round(wall, 1),
        "window_s": a.window,
        "jobs_per_min": round(len(final) / wall * 60, 1),
        "evaluator_starts_s": starts,
        "evaluator_exit_codes": exits,
        "recorded_exactly_once": sum(1 for c in per_id.values() if c == 1),
        "recorded_twice": sum(1 for c in per_id.values() if c > 1),
        "lost": sum(1 for j in jobs if j["id"] not in final),
        "unexpected_verdict": len(wrong),
        "error_status": sum(1 for r in final.values() if r["status"] == "error"),
        "summary_written": bool(summary_files),
        "left_behind": left,
        "throughput_windows": win,
        "throughput_full_windows": {"min": min(full), "median": statistics.median(full), "max": max(full),
                                    "first_half_median": statistics.median(full[: max(1, len(full) // 2)]),
                                    "second_half_median": statistics.median(full[len(full) // 2:])} if full else {},
        "evaluator_rss_mib": {"first_third_median": round(statistics.median(rss[:third]) / 1024, 1),
                              "last_third_median": round(statistics.median(rss[-third:]) / 1024, 1),
                              "max": round(max(rss) / 1024, 1)} if rss else {},
        "evaluator_tree_rss_mib": {"first_third_median": round(statistics.median(tree_rss[:third]) / 1024, 1),
                                   "last_third_median": round(statistics.median(tree_rss[-third:]) / 1024, 1),
                                   "max": round(max(tree_rss) / 1024, 1)} if tree_rss else {},
        "host_memory_used_mib": {"before": host0,
                                 "first_third_median": statistics.median(h[1] for h in host[: max(1, len(host) // 3)]),
                                 "last_third_median": statistics.median(h[1] for h in host[-max(1, len(host) // 3):]),
                                 "max": max(h[1] for h in host), "after": host_used_mib()} if host else {},
        "host_samples": [{"t_s": t, "used_mib": u} for t, u in host],
        "rss_samples": [{"t_s": t, "evaluator_kib": s, "tree_kib": tr} for t, s, tr in samples],
        "by_kind": by_kind,
        "examples_unexpected": wrong[:10],
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1) + "\n")
    a.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    if a.workdir is None and not wrong and not left["processes"]:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")


def markdown(r: dict) -> str:
    s, tw, rss, trss, m = r["setup"], r["throughput_full_windows"], r["evaluator_rss_mib"], r["evaluator_tree_rss_mib"], r["machine"]
    rows = "\n".join(f"| {k} | {v['jobs']} | {v['expected']}{' (' + ' or '.join(v['limits']) + ')' if v['limits'] else ''} "
                     f"| {v['as_expected']} | {', '.join(f'{n} {c}' for n, c in v['limit_named'].items()) or '-'} "
                     f"| {v['p50_s']} | {v['p99_s']} |" for k, v in r["by_kind"].items())
    wins = ", ".join(str(round(w["jobs_per_s"] * 60, 1)) for w in r["throughput_windows"])
    per_min = {k: round(v * 60, 1) for k, v in tw.items()}
    kill = (f"; SIGKILLed once {s['kill_at']:.0%} of the instances were recorded and resumed (starts at "
            f"{r['evaluator_starts_s']} s)") if s["kill_at"] is not None else ""
    left, hm = r["left_behind"], r["host_memory_used_mib"]
    return f"""# Load: the evaluator (`gauntlet swebench`, own environment, local backend) under mixed and hostile predictions

`{r['command']}` ({m['cpus']} CPUs, {m['memory_gib']} GiB, load average {m['load_average_before']} before,
{m['load_average_after']} after)

Evaluator: `{r['evaluator_command']}`{kill}.
{s['jobs']} instances of the bundled example project ({s['plugin_run']} of them plugin-run, the rest through the eval
script), {s['hostile']} with hostile predictions.

- wall {r['wall_s']} s, {r['jobs_per_min']} instances/min overall; evaluator exit codes {r['evaluator_exit_codes']}
- recorded exactly once: {r['recorded_exactly_once']}; twice: {r['recorded_twice']}; lost: {r['lost']};
  unexpected verdict: {r['unexpected_verdict']}; status "error": {r['error_status']}; summary written: {r['summary_written']}
- left behind: {len(left['processes'])} processes, {len(left['sandbox_dirs'])} sandbox directories
- instances/min per {r['window_s']:g} s window: {wins} (full windows: min {per_min.get('min')}, median
  {per_min.get('median')}, max {per_min.get('max')}; median of the first half {per_min.get('first_half_median')},
  of the second half {per_min.get('second_half_median')})
- evaluator RSS (MiB): median {rss.get('first_third_median')} over the first third of the run,
  {rss.get('last_third_median')} over the last third, max {rss.get('max')}; with its sandboxes and test runs:
  {trss.get('first_third_median')} -> {trss.get('last_third_median')}, max {trss.get('max')} (a sum of RSS: the
  pages a fork bomb's copies share count once per copy)
- host memory in use (MiB): {hm.get('before')} before, median {hm.get('first_third_median')} over the first third,
  {hm.get('last_third_median')} over the last third, max {hm.get('max')}, {hm.get('after')} after

| prediction | instances | expected (limit named) | as expected | limits named | p50 s | p99 s |
| --- | --- | --- | --- | --- | --- | --- |
{rows}
"""


if __name__ == "__main__":
    main()
