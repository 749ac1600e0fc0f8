"""SWE-bench instances: loading (hub name or local file / folder) and selection.

Loading goes through swebench's ``load_swebench_dataset`` (hub names through ``datasets``, local
.json / .jsonl / .parquet files), so instances carry the official field names unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# swebench's parser modules are named after languages; these map them onto Gauntlet plugins.
_PARSER_MODULE_LANGUAGE = {"python": "python", "rust": "rust", "go": "go", "javascript": "typescript"}


class DatasetError(ValueError):
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
    elif path.suffix in (".json", ".jsonl", ".parquet"):
        if not path.is_file():
            raise DatasetError(f"dataset file not found: {path}")
        rows = [dict(r) for r in load_swebench_dataset(str(path), split)]
    elif path.exists():
        raise DatasetError(f"unsupported dataset file {path}: use .json, .jsonl or .parquet")
    else:
        rows = [dict(r) for r in load_swebench_dataset(name, split)]
    for row in rows:
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
            elif row.get(key) is not None and not isinstance(row[key], list):
                row[key] = list(row[key])  # numpy arrays from parquet
    return rows


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
