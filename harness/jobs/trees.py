"""Directory trees shipped to jobs as bytes (no shared file system): packed on the driver, unpacked
once per node process into a private temporary folder keyed by their content hash."""

from __future__ import annotations

import atexit
import gzip
import hashlib
import io
import shutil
import tarfile
import tempfile
import threading
from pathlib import Path

_root: Path | None = None
_lock = threading.Lock()
_unpacked: dict[str, Path] = {}


def pack(path: str | Path, exclude: tuple[str, ...] = ()) -> bytes:
    """A gzip'ed tar of the directory's contents (names relative to it; ``exclude``: top-level names)."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"not a directory: {root}")
    buf = io.BytesIO()
    # No time stamp in the gzip header: the same tree packs to the same bytes (one unpack per node).
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=1, mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for child in sorted(root.iterdir()):
            if child.name not in exclude:
                tar.add(child, arcname=child.name)
    return buf.getvalue()


def unpack(data: bytes, name: str = "tree") -> Path:
    """The tree of ``data`` as a directory on this node (``.../<hash>/<name>``); unpacked once, removed at exit."""
    global _root
    digest = hashlib.sha256(data).hexdigest()[:20]
    key = f"{digest}/{name}"
    with _lock:
        if key in _unpacked:
            return _unpacked[key]
        if _root is None:
            _root = Path(tempfile.mkdtemp(prefix="gauntlet-jobs-"))
            atexit.register(shutil.rmtree, _root, True)
        _unpacked[key] = unpack_to(data, _root / digest / name)
        return _unpacked[key]


def unpack_to(data: bytes, dest: Path) -> Path:
    """Unpack ``data`` into the new directory ``dest`` (regular files, directories and links inside it only)."""
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # Python < 3.10.12: no extraction filters
            tar.extractall(dest)  # noqa: S202 - the driver packed it
    return dest
