"""SWE-bench instances: loading (hub name or local file / folder) and selection.

Loading goes through swebench's ``load_swebench_dataset`` (hub names through ``datasets``, local
.json / .jsonl / .parquet files), so instances carry the official field names unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.errors import UsageError

# swebench's parser modules are named after languages; these map them onto Gauntlet plugins.
_PARSER_MODULE_LANGUAGE = {"python": "python", "rust": "rust", "go": "go", "javascript": "typescript"}


class DatasetError(UsageError, ValueError):
    """The dataset or the selection is unusable (a usage error)."""


def load_instances(name: str, split: str = "test") -> list[dict[str, Any]]:
    """Instances of ``name``: a hub dataset name, a .json / .jsonl / .parquet file, or a folder of them."""
    from swebench.harness.utils import load_swebench_dataset

    path = Path(name)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl", ".parquet"))
        if not files:
            raise DatasetError(f"no .json, .jsonl or .parquet files in {path}")
        rows = [row for f in files for row in load_instances(str(f), split)]
    elif path.suffix in (".json", ".jsonl"):
        if not path.is_file():
            raise DatasetError(f"dataset file not found: {path}")
        rows = _read_json_rows(path)
    elif path.suffix == ".parquet":
        if not path.is_file():
            raise DatasetError(f"dataset file not found: {path}")
        rows = [dict(r) for r in load_swebench_dataset(str(path), split)]
    elif path.exists():
        raise DatasetError(f"unsupported dataset file {path}: use .json, .jsonl or .parquet")
    else:
        rows = [dict(r) for r in load_swebench_dataset(name, split)]
    for n, row in enumerate(rows, 1):
        if not isinstance(row.get("instance_id"), str):
            raise DatasetError(f"{name}: instance #{n} has no instance_id string")
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            try:
                if isinstance(row.get(key), str):
                    row[key] = json.loads(row[key])
                elif row.get(key) is not None and not isinstance(row[key], list):
                    row[key] = list(row[key])  # numpy arrays from parquet
            except (ValueError, TypeError) as e:
                raise DatasetError(f"{name}: {row['instance_id']}: {key} is not a list of test ids ({e})") from e
            if row.get(key) is not None and not isinstance(row[key], list):
                raise DatasetError(f"{name}: {row['instance_id']}: {key} is not a list of test ids")
    return rows


def _read_json_rows(path: Path) -> list[dict[str, Any]]:
    """A .json list or .jsonl file of instances (what swebench's loader reads, blank lines allowed),
    with errors that name the file and line instead of a bare JSONDecodeError or TypeError."""
    where, unit = str(path), "line" if path.suffix == ".jsonl" else "item"
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
            if not isinstance(data, list):
                raise DatasetError(f"{path}: expected a JSON list of instances, not {type(data).__name__}")
            rows = list(enumerate(data, 1))
        else:
            rows = []
            for n, line in enumerate(text.split("\n"), 1):  # as a file reads: not at U+2028
                where = f"{path}:{n}"
                if line.strip():
                    rows.append((n, json.loads(line)))
    except DatasetError:
        raise
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError included
        raise DatasetError(f"{where}: not valid JSON text ({e})") from e
    for n, row in rows:
        if not isinstance(row, dict):
            raise DatasetError(f"{path}: {unit} {n} is a {type(row).__name__}, not a JSON object")
    return [row for _, row in rows]


def language_of(instance: dict[str, Any]) -> str | None:
    """The Gauntlet language of an instance, from the module of its swebench log parser."""
    from swebench.harness.log_parsers import PARSER_REGISTRY

    if instance.get("language"):
        return instance["language"]
    parser = PARSER_REGISTRY.get(instance.get("log_parser", ""))
    if parser is None:
        return None
    module = parser.__module__.rsplit(".", 1)[-1]
    return _PARSER_MODULE_LANGUAGE.get(module, module)


def select(
    instances: Iterable[dict[str, Any]],
    ids: list[str] | None = None,
    repos: list[str] | None = None,
    languages: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Filter by instance id, repository (owner/name) and language; unknown ids are an error."""
    rows = list(instances)
    if ids:
        known = {r["instance_id"] for r in rows}
        missing = sorted(set(ids) - known)
        if missing:
            raise DatasetError(f"instance ids not in the dataset: {', '.join(missing[:10])}")
        rows = [r for r in rows if r["instance_id"] in set(ids)]
    if repos:
        rows = [r for r in rows if r.get("repo") in set(repos)]
    if languages:
        rows = [r for r in rows if language_of(r) in set(languages)]
    return rows
