"""Where task generation reads the project from: a directory, or a git URL cloned first."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from harness.errors import UsageError


def is_remote(repo: str) -> bool:
    return "://" in repo or repo.startswith("git@")


def project_source(repo: str, name: str | None = None) -> tuple[Path, str]:
    """``(directory, owner/name)`` of ``repo``: a project directory as it is, or a git URL cloned
    (depth 1, needs network) into a new temporary directory.  ``name`` defaults to the URL's last two
    parts, or ``local/<directory name>``.  ``UsageError`` when the directory does not exist or the
    clone fails."""
    if is_remote(repo):
        source = Path(tempfile.mkdtemp(prefix="gauntlet-clone-")) / "repo"
        r = subprocess.run(["git", "clone", "--quiet", "--depth", "1", repo, str(source)], capture_output=True, text=True, check=False)
        if r.returncode:
            raise UsageError(f"cannot clone {repo}: {r.stderr.strip()}")
        return source, name or "/".join(repo.rstrip("/").removesuffix(".git").split("/")[-2:])
    source = Path(repo)
    if not source.is_dir():
        raise UsageError(f"repository not found: {repo}")
    return source, name or f"local/{source.resolve().name}"
