"""Runs -> ``leaderboard.json`` (versioned), ``leaderboard.md`` and a static site (no server needed).

A board is one (benchmark, split, dataset fingerprint): runs that disagree on the fingerprint were
graded on different data and are never ranked together, they get boards of their own.  A board is
titled by its dataset's name (hub name or file name), split and instance count; the fingerprint
stays as provenance.  Nothing published names a directory of the grading machine.
"""

from __future__ import annotations

import html
import json
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Iterable

from harness.results import dataset_name
from leaderboards.runs import Run, find_runs, load_models, load_run
from leaderboards.stats import interval

SCHEMA = "gauntlet.leaderboard"
SCHEMA_VERSION = 1
STATIC = Path(__file__).parent / "static"
OUTCOMES = ("resolved", "partial", "failed", "infra")


def board_id(run: Run) -> str:
    return f"{run.benchmark}/{run.split}/{run.fingerprint}"


def load_runs(specs: Iterable[str | Path]) -> list[Run]:
    """Each spec is a run directory, a folder of them, or ``MODEL=DIR`` to name the model."""
    runs = []
    for spec in specs:
        s = str(spec)
        name = None
        if "=" in s and not Path(s).exists():
            name, s = s.split("=", 1)
        for p in find_runs(Path(s)):
            runs.append(load_run(p, name))
    return runs


def _entry(run: Run, models: dict[str, dict], manifest_link: str) -> dict[str, Any]:
    scores = [r.score for r in run.rows]
    method, lo, hi = interval(scores) if scores else ("none", 0.0, 1.0)
    outcomes = {o: sum(1 for r in run.rows if r.outcome == o) for o in OUTCOMES}
    langs: dict[str, list[float]] = {}
    for r in run.rows:
        if r.language:
            langs.setdefault(r.language, []).append(r.score)
    m = run.manifest
    return {
        "model": run.model,
        "benchmark": run.benchmark,
        "split": run.split,
        "dataset": dataset_name(m.get("dataset")),
        "dataset_fingerprint": run.fingerprint,
        "score": round(sum(scores) / len(scores), 6) if scores else 0.0,
        "n": len(scores),
        "ci_low": round(lo, 6),
        "ci_high": round(hi, 6),
        "ci_method": method,
        "ci_level": 0.95,
        "outcomes": outcomes,
        "by_language": {lang: {"score": round(sum(v) / len(v), 6), "n": len(v)} for lang, v in sorted(langs.items())},
        "date": m.get("created"),
        "seconds": run.seconds,
        "cost": run.cost,
        "run_id": run.run_id,
        "manifest": manifest_link,
        "versions": m.get("versions", {}),
        "images": m.get("images", {}),
        "backend": m.get("backend"),
        "model_meta": models.get(run.model, {}),
    }


def leaderboard(runs: list[Run], models: dict[str, dict] | None = None,
                manifest_link=lambda run: f"runs/{run.benchmark}/{run.run_id}/manifest.json") -> dict[str, Any]:
    """The machine-readable leaderboard: boards of ranked rows, one row per model x benchmark x split."""
    models = models or {}
    latest: dict[tuple[str, str], Run] = {}
    for run in runs:
        key = (board_id(run), run.model)
        old = latest.get(key)
        if old is not None:
            warnings.warn(f"{run.model} has two runs on {board_id(run)} ({old.path}, {run.path}); keeping the newer",
                          stacklevel=2)
            if str(old.manifest.get("created", "")) > str(run.manifest.get("created", "")):
                continue
        latest[key] = run
    boards: dict[str, dict[str, Any]] = {}
    for (bid, _), run in sorted(latest.items()):
        b = boards.setdefault(bid, {"id": bid, "benchmark": run.benchmark, "split": run.split,
                                    "dataset_fingerprint": run.fingerprint,
                                    "dataset": dataset_name(run.manifest.get("dataset")),
                                    "rows": []})
        b["rows"].append(_entry(run, models, manifest_link(run)))
    by_bench: dict[str, int] = {}
    for b in boards.values():
        by_bench[b["benchmark"]] = by_bench.get(b["benchmark"], 0) + 1
    for b in boards.values():
        rows = sorted(b["rows"], key=lambda r: (-r["score"], r["model"]))
        for i, r in enumerate(rows):
            r["rank"] = rows[i - 1]["rank"] if i and r["score"] == rows[i - 1]["score"] else i + 1
        b["rows"] = rows
        b["languages"] = sorted({lang for r in rows for lang in r["by_language"]})
        b["instances"] = max((r["n"] for r in rows), default=0)
        b["title"] = title(b, several=by_bench[b["benchmark"]] > 1)
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION,
            "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "models": models, "boards": list(boards.values())}


def title(board: dict[str, Any], several: bool = False) -> str:
    """``swebench — SWE-bench_Lite (test, 300 instances)``; where one benchmark has boards of two
    datasets under one name (edited copies of a file), the fingerprint's first digits tell them apart."""
    name = board.get("dataset") or "dataset unknown"
    out = f"{board['benchmark']} — {name} ({board['split']}, {board['instances']} instances)"
    if several:
        out += f" [{str(board['dataset_fingerprint']).removeprefix('sha256:')[:8]}]"
    return out


def public_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as published: the dataset by name, absolute paths in the arguments by file name."""
    out = dict(manifest)
    out["dataset"] = dataset_name(manifest.get("dataset"))
    args = manifest.get("args")
    if isinstance(args, dict):
        out["args"] = {k: (Path(v).name if isinstance(v, str) and v.startswith("/") else v) for k, v in args.items()}
    return out


def markdown(board_data: dict[str, Any]) -> str:
    """One table per board, for READMEs and papers."""
    out = ["# Leaderboard", ""]
    for b in board_data["boards"]:
        out += [f"## {b['title']}", "", f"Dataset `{b['dataset'] or 'unknown'}`, split `{b['split']}`, "
                f"{b['instances']} instances; fingerprint `{b['dataset_fingerprint']}`.", ""]
        langs = b["languages"] if len(b["languages"]) > 1 else []
        head = ["Rank", "Model", "Score", "95% CI", "n", *langs, "Infra errors", "Run"]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in b["rows"]:
            cells = [str(r["rank"]), r["model"].replace("|", "\\|"), f"{100 * r['score']:.1f}%",
                     f"{100 * r['ci_low']:.1f}–{100 * r['ci_high']:.1f}", str(r["n"])]
            for lang in langs:
                v = r["by_language"].get(lang)
                cells.append(f"{100 * v['score']:.1f}% ({v['n']})" if v else "–")
            cells += [str(r["outcomes"]["infra"]), f"[{r['run_id']}]({r['manifest']})"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def _safe_json(data: Any) -> str:
    """JSON that can sit inside a <script> element."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_site(specs: Iterable[str | Path], out: str | Path, models_file: str | Path | None = None) -> dict[str, Any]:
    """Write the site into ``out``; returns the leaderboard document."""
    out = Path(out)
    runs = load_runs(specs)
    if not runs:
        raise ValueError("no runs given")
    models = load_models(models_file)
    data = leaderboard(runs, models)
    out.mkdir(parents=True, exist_ok=True)
    used = {(r["benchmark"], r["run_id"]) for b in data["boards"] for r in b["rows"]}
    problems: dict[str, dict[str, list]] = {}
    for run in runs:
        if (run.benchmark, run.run_id) not in used:
            continue
        dest = out / "runs" / run.benchmark / run.run_id
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "manifest.json").write_text(json.dumps(public_manifest(run.manifest), indent=2) + "\n")
        problems.setdefault(board_id(run), {})[run.model] = [r.to_json() for r in run.rows]
    (out / "leaderboard.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "problems.json").write_text(json.dumps(problems) + "\n")
    (out / "leaderboard.md").write_text(markdown(data))
    for name in ("app.js", "style.css"):
        shutil.copyfile(STATIC / name, out / name)
    page = (STATIC / "index.html").read_text()
    page = page.replace("{{DATA}}", _safe_json({"leaderboard": data, "problems": problems}))
    page = page.replace("{{GENERATED}}", html.escape(data["generated"]))
    (out / "index.html").write_text(page)
    return data
