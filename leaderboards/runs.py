"""Read run directories (``manifest.json`` + ``results.jsonl``, see ``harness.results``) into one
shape: per-problem rows with a score in [0, 1], an outcome, and what the drill-down shows.

Every benchmark writes its own record shape; the readers below know SWE-bench (``status``,
``resolved``, per-instance logs on disk), the solution benchmarks (``n``/``correct`` with per-sample
verdicts; LiveCodeBench adds ``contest_date``), generated-task runs (``verdict``) and a generic
``passed``/``resolved``/``score`` record for anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.results import MANIFEST, RESULTS, read_manifest, read_records

EXCERPT_CHARS = 2000
INFRA_VERDICTS = {"infra_error", "error"}


class RunError(UsageError, ValueError):
    """A path that is not a readable run directory."""


@dataclass
class Row:
    """One problem / instance of one run."""

    id: str
    score: float  # in [0, 1]: resolved, or the share of passing samples
    outcome: str  # resolved | partial | failed | infra
    language: str | None = None
    date: str | None = None  # YYYY-MM-DD: when the problem was published (contamination windows)
    seconds: float | None = None
    cost: float | None = None
    detail: str = ""  # status / verdicts in a few words
    log: str = ""  # an excerpt of the log or error

    def to_json(self) -> dict[str, Any]:
        d = {"id": self.id, "score": round(self.score, 6), "outcome": self.outcome, "detail": self.detail}
        for k in ("language", "date", "seconds", "cost"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.log:
            d["log"] = self.log
        return d


@dataclass
class Run:
    path: Path
    manifest: dict[str, Any]
    model: str
    benchmark: str
    split: str
    fingerprint: str
    rows: list[Row] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.path.name)

    @property
    def seconds(self) -> float | None:
        vals = [r.seconds for r in self.rows if r.seconds is not None]
        return round(sum(vals), 3) if vals else None

    @property
    def cost(self) -> float | None:
        vals = [r.cost for r in self.rows if r.cost is not None]
        if vals:
            return round(sum(vals), 6)
        c = self.manifest.get("args", {}).get("cost_usd")
        return float(c) if isinstance(c, (int, float)) else None


def find_runs(path: Path) -> list[Path]:
    """A run directory, or a folder holding run directories at any depth."""
    if (path / MANIFEST).is_file():
        return [path]
    found = sorted(p.parent for p in path.rglob(MANIFEST) if (p.parent / RESULTS).exists())
    if not found:
        raise RunError(f"{path}: no run directory (manifest.json + results.jsonl) found")
    return found


def load_run(path: str | Path, model: str | None = None) -> Run:
    """``model`` overrides the name; else the manifest's model, the records' model, or the folder name."""
    p = Path(path)
    try:
        manifest = read_manifest(p)
    except (OSError, ValueError) as e:
        raise RunError(f"{p}: unreadable manifest ({e})") from e
    records = list(read_records(p))
    bench = str(manifest.get("benchmark") or "unknown")
    reader = {"swebench": _swebench_row, "humaneval": _humaneval_row, "livecodebench": _lcb_row,
              "tasks": _task_row}.get(bench, _generic_row)
    rows = [reader(rec, p) for rec in records]
    name = model or manifest.get("model") or next((r["model"] for r in records if r.get("model")), None) or p.name
    args = manifest.get("args") or {}
    split = str(args.get("split") or args.get("subset") or "test")
    fp = str(manifest.get("dataset_fingerprint") or "unknown")
    return Run(p, manifest, str(name), bench, split, fp, sorted(rows, key=lambda r: r.id))


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def _read_tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 4 * EXCERPT_CHARS))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _swebench_row(rec: dict, run_dir: Path) -> Row:
    iid = rec["task_id"]
    status = rec.get("status", "error")
    outcome = "resolved" if rec.get("resolved") else ("infra" if status == "error" else "failed")
    model_dir = str(rec.get("model") or "unknown").replace("/", "__")
    log = ""
    if outcome != "resolved":
        d = run_dir / model_dir / iid
        log = rec.get("error") or ""
        tail = _read_tail(d / "test_output.txt") or _read_tail(d / "run_instance.log")
        log = _excerpt((log + "\n" + tail).strip())
    detail = status
    if rec.get("test_edits"):
        detail += " (edits tests)"
    return Row(iid, 1.0 if rec.get("resolved") else 0.0, outcome, rec.get("language"), None,
               rec.get("total_seconds"), rec.get("cost"), detail, log)


def _samples_row(rec: dict, samples: list[dict], message_keys: tuple[str, ...]) -> tuple[float, str, str, str]:
    n, c = rec.get("n") or len(samples), rec.get("correct", 0)
    score = c / n if n else 0.0
    infra = [s for s in samples if s.get("verdict") in INFRA_VERDICTS]
    if n and c == n:
        outcome = "resolved"
    elif infra and len(infra) == len(samples):
        outcome = "infra"
    else:
        outcome = "partial" if c else "failed"
    verdicts: dict[str, int] = {}
    for s in samples:
        verdicts[s.get("verdict", "?")] = verdicts.get(s.get("verdict", "?"), 0) + 1
    detail = f"{c}/{n} passed: " + ", ".join(f"{v}×{k}" for k, v in sorted(verdicts.items()))
    bad = next((s for s in samples if not s.get("passed")), None)
    log = ""
    if bad:
        parts = [f"{k}: {bad[k]}" for k in message_keys if bad.get(k) not in (None, "")]
        log = _excerpt("\n".join(parts))
    return score, outcome, detail, log


def _humaneval_row(rec: dict, _run_dir: Path) -> Row:
    score, outcome, detail, log = _samples_row(rec, rec.get("samples", []), ("verdict", "result"))
    return Row(rec["task_id"], score, outcome, "python", None, rec.get("seconds"), rec.get("cost"), detail, log)


def _lcb_row(rec: dict, _run_dir: Path) -> Row:
    keys = ("verdict", "error_message", "error", "failed_test", "input", "expected", "output")
    score, outcome, detail, log = _samples_row(rec, rec.get("codes", []), keys)
    date = (rec.get("contest_date") or "")[:10] or None
    if rec.get("difficulty"):
        detail = f"[{rec['difficulty']}] {detail}"
    return Row(rec["task_id"], score, outcome, rec.get("language", "python"), date, rec.get("seconds"), rec.get("cost"),
               detail, log)


def _task_row(rec: dict, _run_dir: Path) -> Row:
    """Generated-task validation: a mutation the tests catch is a kept task."""
    verdict = rec.get("verdict", "?")
    outcome = {"caught": "resolved", "survived": "failed", "build_failed": "failed", "not_applied": "infra"}.get(verdict, "failed")
    log = _excerpt(rec.get("diff", "")) if outcome != "resolved" else ""
    return Row(rec["task_id"], 1.0 if verdict == "caught" else 0.0, outcome, rec.get("language"), None,
               rec.get("seconds"), None, verdict, log)


def _generic_row(rec: dict, _run_dir: Path) -> Row:
    if isinstance(rec.get("score"), (int, float)):
        score = float(rec["score"])
    elif "n" in rec and "correct" in rec:
        score = rec["correct"] / rec["n"] if rec["n"] else 0.0
    else:
        score = 1.0 if rec.get("resolved") or rec.get("passed") else 0.0
    status = str(rec.get("status") or rec.get("verdict") or "")
    outcome = "infra" if status in INFRA_VERDICTS else ("resolved" if score >= 1 else ("partial" if score > 0 else "failed"))
    log = _excerpt(str(rec.get("error") or rec.get("log") or "")) if outcome != "resolved" else ""
    return Row(rec["task_id"], score, outcome, rec.get("language"), (rec.get("date") or "")[:10] or None,
               rec.get("seconds") or rec.get("total_seconds"), rec.get("cost"), status, log)


def load_models(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """Model metadata by name: a JSON list of {name, size, release_date, link}, or a mapping name -> fields."""
    if not path:
        return {}
    data = json.loads(Path(path).read_text())
    items = data.items() if isinstance(data, dict) else ((m.get("name"), m) for m in data)
    out = {}
    for name, meta in items:
        if not name:
            raise RunError(f"{path}: every model needs a name")
        out[str(name)] = {k: meta.get(k) for k in ("size", "release_date", "link") if meta.get(k) is not None}
    return out
