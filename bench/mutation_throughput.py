"""Validated mutation candidates per minute: Gauntlet's task generation vs the native mutation tools.

Same machine, same run, same project:
- Python: the bundled slugify example (its known bug fixed first) — ``mutmut run`` (mutmut 3, when
  the ``mutmut`` command is on PATH) against ``gauntlet tasks generate`` over every candidate;
- Rust: the published ``semver`` crate — ``cargo mutants`` on a shard of its mutants (when
  cargo-mutants is installed) against ``gauntlet tasks generate`` with a candidate cap.

A "validated candidate" is a mutant that was built and tested (caught, survived, timed out, or failed
to build).  Writes ``bench/results/mutation_throughput.json``.

    python bench/mutation_throughput.py [--workers 2] [--rust-shard 0/8] [--rust-candidates 40] [--languages python,rust]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from task_generation_real import fetch_rust  # noqa: E402


def gauntlet_rate(src: Path, language: str, workers: int, max_candidates: int | None, tmp: Path,
                  source: str = "plugin") -> dict:
    """Every candidate of one source validated; the candidate timeout is the automatic one."""
    out = tmp / f"{language}-{source}-tasks.jsonl"
    for old in (out, tmp / f"{out.name}.run", tmp / f"{out.name}.repos"):  # a fresh run each time
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    cmd = ["gauntlet", "tasks", "generate", "--repo", str(src), "--language", language, "--max", "100000",
           "--workers", str(workers), "-o", str(out), "--source", source]
    if max_candidates:
        cmd += ["--max-candidates", str(max_candidates)]
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    seconds = time.monotonic() - start
    verdicts = [json.loads(line)["verdict"] for line in (tmp / f"{out.name}.run" / "results.jsonl").read_text().splitlines()]
    validated = sum(v != "not_applied" for v in verdicts)
    return {"tool": f"gauntlet tasks generate --source {source}", "validated": validated, "seconds": round(seconds, 1),
            "per_minute": round(validated / seconds * 60, 1), "caught": verdicts.count("caught")}


def python_project(tmp: Path) -> Path:
    src = Path(shutil.copytree(ROOT / "examples" / "python" / "slugify", tmp / "slugify"))
    core = src / "slugify" / "core.py"
    core.write_text(core.read_text().replace("_NON_WORD.split(ascii_text.lower())",
                                             "[w for w in _NON_WORD.split(ascii_text.lower()) if w]"))
    return src


def median(run, times: int) -> dict | None:
    """The run with the median time of ``times`` runs, with every run's seconds beside it."""
    rows = [run() for _ in range(times)]
    if rows[0] is None:
        return None
    rows.sort(key=lambda r: r["seconds"])
    return {**rows[len(rows) // 2], "runs_seconds": [r["seconds"] for r in rows]}


def mutmut_rate(src: Path, tmp: Path) -> dict | None:
    if not shutil.which("mutmut"):
        return None
    work = tmp / "mutmut-slugify"
    shutil.rmtree(work, ignore_errors=True)
    work = Path(shutil.copytree(src, work))
    with open(work / "pyproject.toml", "a") as f:
        f.write('\n[tool.mutmut]\nsource_paths = ["slugify/"]\n')
    start = time.monotonic()
    r = subprocess.run(["mutmut", "run"], cwd=work, capture_output=True, text=True)
    seconds = time.monotonic() - start
    done = re.findall(r"(\d+)/(\d+)", r.stdout)
    validated = int(done[-1][0]) if done else 0
    return {"tool": "mutmut run", "validated": validated, "seconds": round(seconds, 1),
            "per_minute": round(validated / seconds * 60, 1), "exit": r.returncode}


def cargo_mutants_rate(crate: Path, tmp: Path, shard: str, workers: int) -> dict | None:
    if subprocess.run(["cargo", "mutants", "--version"], capture_output=True).returncode != 0:
        return None
    work = Path(shutil.copytree(crate, tmp / "cargo-mutants-crate"))
    start = time.monotonic()
    r = subprocess.run(["cargo", "mutants", "--shard", shard, "-j", str(workers), "--timeout", "120", "--no-shuffle"],
                       cwd=work, capture_output=True, text=True)
    seconds = time.monotonic() - start
    outcomes = json.loads((work / "mutants.out" / "outcomes.json").read_text())
    validated = sum(1 for o in outcomes.get("outcomes", []) if o.get("scenario") != "Baseline")
    return {"tool": f"cargo mutants --shard {shard}", "validated": validated, "seconds": round(seconds, 1),
            "per_minute": round(validated / seconds * 60, 1), "caught": outcomes.get("caught"), "exit": r.returncode}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rust-shard", default="0/8", help="cargo mutants --shard (k/n) for the Rust comparison.")
    ap.add_argument("--rust-candidates", type=int, default=40, help="Gauntlet's candidate cap on the Rust crate.")
    ap.add_argument("--languages", default="python,rust", help="Which comparisons to run (comma-separated).")
    ap.add_argument("--repeat", type=int, default=3,
                    help="Python: runs of each tool, median kept (mutmut's time varies 4x with its test order).")
    args = ap.parse_args()
    languages = set(args.languages.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-mutbench-"))
    results: dict[str, list] = {}

    if "python" in languages:
        src = python_project(tmp)
        rows = [median(lambda: gauntlet_rate(src, "python", args.workers, None, tmp), args.repeat)]
        if shutil.which("mutmut"):
            rows.append(median(lambda: gauntlet_rate(src, "python", args.workers, None, tmp, source="mutmut"), args.repeat))
        native = median(lambda: mutmut_rate(src, tmp), args.repeat)
        rows += [native] if native else [{"tool": "mutmut", "skipped": "mutmut is not installed (pip install mutmut)"}]
        results["python: examples/python/slugify"] = rows

    if "rust" in languages:
        crate = fetch_rust(tmp / "rust")
        rows = [gauntlet_rate(crate, "rust", args.workers, args.rust_candidates, tmp)]
        if shutil.which("cargo-mutants"):
            rows.append(gauntlet_rate(crate, "rust", args.workers, args.rust_candidates, tmp, source="cargo-mutants"))
        native = cargo_mutants_rate(crate, tmp, args.rust_shard, args.workers)
        rows += [native] if native else [{"tool": "cargo mutants", "skipped": "cargo-mutants is not installed"}]
        results["rust: semver crate"] = rows

    for project, rows in results.items():
        native = rows[-1].get("per_minute")
        for row in rows[:-1]:
            if native:
                row["vs_native_tool"] = round(row["per_minute"] / native, 2)
        print(project)
        for row in rows:
            print("   ", json.dumps(row))
    record = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
              "workers": args.workers, "results": results}
    out = ROOT / "bench" / "results" / "mutation_throughput.json"
    if out.exists() and len(languages) < 2:  # keep the other language's last figures
        record["results"] = {**json.loads(out.read_text()).get("results", {}), **results}
    out.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
