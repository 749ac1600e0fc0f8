"""Run manifests and append-only result records (JSON Lines), resumable.

A run directory holds ``manifest.json`` (what ran: tool and plugin versions, backend, images,
seeds, dataset fingerprint, arguments) and ``results.jsonl`` (one record per task, appended and
fsync'ed as each task finishes).  A run that is stopped and started again skips the tasks that
already have a record; a torn last line (a crash mid-write) is truncated and its task graded again.
Whole files (manifest, summaries, reports) go through ``atomic_write_text``: temp file + os.replace.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterable, Iterator

from harness import settings

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
RESULTS = "results.jsonl"


@dataclass
class Manifest:
    benchmark: str
    model: str | None = None
    backend: str = "local"
    dataset: str | None = None
    dataset_fingerprint: str | None = None
    seed: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # language -> image id / digest
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6])
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    versions: dict[str, str] = field(default_factory=dict)
    host: dict[str, str] = field(default_factory=dict)
    # True when untrusted code ran without the local jail (--unsafe-host): its results are no
    # evidence of contained runs.
    unsafe_host: bool = field(default_factory=settings.unsafe_host)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not self.versions:
            self.versions = installed_versions()
        if not self.host:
            self.host = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}


def installed_versions() -> dict[str, str]:
    """Versions of gauntlet and of every installed plugin distribution."""
    from importlib.metadata import entry_points

    out = {"gauntlet": _version("gauntlet-harness")}  # the distribution; the key stays the CLI's name
    for ep in entry_points(group="gauntlet"):
        dist = getattr(ep, "dist", None)
        if dist is not None:
            out[dist.metadata["Name"]] = dist.version
    return out


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def dataset_name(dataset: str | None) -> str | None:
    """The name a reader knows a dataset by: a hub name (``princeton-nlp/SWE-bench_Lite``) as it
    is, a file by its file name, never the grading machine's directory."""
    if not dataset:
        return None
    text = str(dataset)
    path = Path(text)
    if path.is_absolute() or text.startswith(("./", "../", "~")) or path.suffix in _DATA_SUFFIXES or path.exists():
        return path.name or text
    return text


_DATA_SUFFIXES = {".json", ".jsonl", ".gz", ".parquet", ".csv", ".arrow"}


def fingerprint(rows: Iterable[Any]) -> str:
    """A content hash of a dataset's rows (any JSON-serialisable values), for the manifest."""
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(row, sort_keys=True, default=str).encode())
        h.update(b"\n")
    return "sha256:" + h.hexdigest()[:16]


class RunWriter:
    """Writes one run directory; safe to call ``write`` from several threads."""

    def __init__(self, run_dir: str | Path, manifest: Manifest, resume: bool = True):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / RESULTS
        self._lock = threading.Lock()
        old = self.dir / MANIFEST
        if resume and old.exists():
            manifest.run_id = json.loads(old.read_text())["run_id"]
        self.manifest = manifest
        _atomic_write(old, json.dumps(manifest.__dict__, indent=2, default=str))
        if not resume and self.path.exists():
            self.path.unlink()
        self._repair_tail()  # before reading: a dropped torn line must not count as done
        self.done: dict[str, dict] = {r["task_id"]: r for r in read_records(self.path)} if resume else {}

    def update_manifest(self, **fields: Any) -> None:
        """Add what is known only after the run started (e.g. the images it used); atomic."""
        with self._lock:
            for k, v in fields.items():
                setattr(self.manifest, k, v)
            _atomic_write(self.dir / MANIFEST, json.dumps(self.manifest.__dict__, indent=2, default=str))

    def _repair_tail(self) -> None:
        """Truncate a torn last line (a kill mid-append) in place, so appends start on a fresh line.

        Every record ends with its newline, so bytes after the last newline are an incomplete
        record even when they happen to parse; the task is graded again."""
        if not self.path.exists():
            return
        with open(self.path, "r+b") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return
            keep = _last_newline_end(f, size)
            if keep < size:
                f.truncate(keep)
                f.flush()
                os.fsync(f.fileno())

    def write(self, task_id: str, record: dict[str, Any]) -> dict[str, Any]:
        rec = {"schema_version": SCHEMA_VERSION, "run_id": self.manifest.run_id, "task_id": task_id, **record,
               "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        line = json.dumps(rec, default=str) + "\n"
        with self._lock:
            if task_id in self.done:
                return self.done[task_id]
            with open(self.path, "ab") as f:  # one append of the whole line, newline included
                f.write(line.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            self.done[task_id] = rec
        return rec


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a results file, skipping a torn or corrupt line (first record per task wins)."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS
    if not p.exists():
        return
    seen = set()
    with open(p, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "task_id" in rec and rec["task_id"] not in seen:
                seen.add(rec["task_id"])
                yield rec


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(run_dir) / MANIFEST).read_text())


def _last_newline_end(f, size: int, block: int = 1 << 16) -> int:
    """Offset just past the last newline of an open binary file (0 when it has none)."""
    end = size
    while end > 0:
        start = max(0, end - block)
        f.seek(start)
        i = f.read(end - start).rfind(b"\n")
        if i >= 0:
            return start + i + 1
        end = start
    return 0


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a whole file so that readers (and a crash) see the old or the new content, never half.

    A temp file in the same directory, fsync'ed, then ``os.replace``; the directory is fsync'ed so
    the rename survives a power cut where the file system allows."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_atomic_write = atomic_write_text
