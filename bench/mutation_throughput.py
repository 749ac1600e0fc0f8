"""Validated mutation candidates per minute: Gauntlet's task generation vs the native mutation tools.

Same machine, same run, same project:
- Python: ``more_itertools/recipes.py`` of the more-itertools 10.5.0 sdist from PyPI (the project of
  ``bench/task_generation_real.py``), and the bundled slugify example (its known bug fixed first) —
  ``mutmut run`` (mutmut 3, when the ``mutmut`` command is on PATH) against ``gauntlet tasks
  generate`` over every candidate, on mutmut's own mutants (``--source mutmut``) and on the plugin's;
- Rust: the published ``semver`` crate — ``cargo mutants`` on a shard of its mutants (when
  cargo-mutants is installed) against ``gauntlet tasks generate`` with a candidate cap.

A "validated candidate" is a mutant that was built and tested (caught, survived, timed out, or failed
to build).  Writes ``bench/results/mutation_throughput.json``.

    python bench/mutation_throughput.py [--workers 2] [--rust-shard 0/8] [--rust-candidates 40]
        [--languages more-itertools,slugify,rust] [--repeat N]
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
from task_generation_real import fetch_python, fetch_rust  # noqa: E402


def gauntlet_rate(src: Path, language: str, workers: int, max_candidates: int | None, tmp: Path,
                  source: str = "plugin", files: tuple[str, ...] = ()) -> dict:
    """Every candidate of one source validated; the candidate timeout is the automatic one."""
    out = tmp / f"{language}-{source}-tasks.jsonl"
    for old in (out, tmp / f"{out.name}.run", tmp / f"{out.name}.repos"):  # a fresh run each time
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    cmd = ["gauntlet", "tasks", "generate", "--repo", str(src), "--language", language, "--max", "100000",
           "--workers", str(workers), "-o", str(out), "--source", source]
    if max_candidates:
        cmd += ["--max-candidates", str(max_candidates)]
    for f in files:
        cmd += ["--file", f]
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


def mutmut_rate(src: Path, tmp: Path, package: str, only: tuple[str, ...] = ()) -> dict | None:
    """``mutmut run`` on a fresh copy; ``only``: mutmut's ``only_mutate`` (it then generates no
    mutants for the other files either)."""
    if not shutil.which("mutmut"):
        return None
    work = tmp / f"mutmut-{src.name}"
    shutil.rmtree(work, ignore_errors=True)
    work = Path(shutil.copytree(src, work))
    with open(work / "pyproject.toml", "a") as f:
        f.write(f'\n[tool.mutmut]\nsource_paths = ["{package}/"]\n')
        if only:
            f.write(f"only_mutate = {json.dumps(list(only))}\n")
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
    ap.add_argument("--languages", default="more-itertools,slugify,rust",
                    help="Which comparisons to run (comma-separated; python = both Python projects).")
    ap.add_argument("--repeat", type=int, default=None,
                    help="Python: runs of each tool, median kept (default: 3 on slugify, where mutmut's time varies "
                         "4x with its test order, 1 on more-itertools).")
    args = ap.parse_args()
    languages = set(args.languages.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-mutbench-"))
    results: dict[str, list] = {}

    python_projects = {  # name: (fetch, mutmut's package dir, files to mutate, default runs of each tool)
        "more-itertools": (lambda: fetch_python(tmp / "pypi"), "more_itertools", ("more_itertools/recipes.py",), 1),
        "slugify": (lambda: python_project(tmp), "slugify", (), 3),
    }
    for name, (fetch, package, files, runs) in python_projects.items():
        if name not in languages and "python" not in languages:
            continue
        src, runs = fetch(), args.repeat or runs
        label = f"python: {name}" + (f" ({', '.join(files)})" if files else "")
        rows = [median(lambda: gauntlet_rate(src, "python", args.workers, None, tmp, files=files), runs)]
        if shutil.which("mutmut"):
            rows.append(median(lambda: gauntlet_rate(src, "python", args.workers, None, tmp, source="mutmut", files=files),
                               runs))
        native = median(lambda: mutmut_rate(src, tmp, package, files), runs)
        rows += [native] if native else [{"tool": "mutmut", "skipped": "mutmut is not installed (pip install mutmut)"}]
        results[label] = rows

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
    if out.exists():  # keep the figures of the comparisons not run this time
        record["results"] = {**json.loads(out.read_text()).get("results", {}), **results}
    out.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
