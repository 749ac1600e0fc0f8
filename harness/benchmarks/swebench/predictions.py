"""Predictions in the official format: ``instance_id``, ``model_name_or_path``, ``model_patch``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.benchmarks.swebench.dataset import DatasetError


def load_predictions(path: str | Path) -> dict[str, dict[str, Any]]:
    """Predictions keyed by instance id, from .json (list or dict) or .jsonl; clear errors for bad input."""
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"predictions file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DatasetError(f"predictions file {p} is not UTF-8 text: {e}") from e
    try:
        if p.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif p.suffix == ".json":
            data = json.loads(text)
            rows = list(data.values()) if isinstance(data, dict) else data
        else:
            raise DatasetError(f"predictions must be .json or .jsonl, not {p.suffix or 'no suffix'}: {p}")
    except json.JSONDecodeError as e:
        raise DatasetError(f"predictions file {p} is not valid JSON: {e}") from e
    if not isinstance(rows, list):
        raise DatasetError("predictions must be a list of objects or a mapping instance_id -> object")
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "instance_id" not in row:
            raise DatasetError(f"prediction #{i + 1} has no instance_id")
        if row.get("model_name_or_path") is None:
            row["model_name_or_path"] = "unknown"
        if row.get("model_patch") is None:
            row["model_patch"] = ""
        for key in ("instance_id", "model_name_or_path", "model_patch"):
            if not isinstance(row[key], str):
                raise DatasetError(f"prediction #{i + 1}: {key} must be a string, not {type(row[key]).__name__}")
        if row["instance_id"] in out:
            raise DatasetError(f"duplicate prediction for {row['instance_id']}")
        out[row["instance_id"]] = row
    return out


def gold_predictions(instances: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["instance_id"]: {"instance_id": i["instance_id"], "model_name_or_path": "gold", "model_patch": i["patch"]} for i in instances}


def empty_predictions(instances: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["instance_id"]: {"instance_id": i["instance_id"], "model_name_or_path": "empty", "model_patch": ""} for i in instances}
