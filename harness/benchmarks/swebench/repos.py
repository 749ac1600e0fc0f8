"""A local cache of git repositories for own-environment mode (``--repos DIR``).

``DIR/<owner>__<name>`` (or ``DIR/<owner>/<name>``) holds a clone; where the network allows, a
missing one is cloned on demand.  An instance's tree is checked out with only its base commit
(``git fetch --depth 1``), so the eval script's ``git checkout <base_commit> -- tests`` works while
the copy stays small.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.errors import InfraError


def repo_path(repos: Path, repo: str) -> Path | None:
    for candidate in (repos / repo.replace("/", "__"), repos / repo):
        if (candidate / ".git").exists() or (candidate / "HEAD").exists():
            return candidate
    return None


def ensure_repo(repos: Path, repo: str, clone: bool) -> Path:
    found = repo_path(repos, repo)
    if found:
        return found
    if not clone:
        raise InfraError(
            f"repository {repo} is not in the repository cache {repos} "
            f"(expected {repos / repo.replace('/', '__')}); clone it there, or allow network cloning"
        )
    dest = repos / repo.replace("/", "__")
    _git(["clone", "--quiet", f"https://github.com/{repo}.git", str(dest)], cwd=repos)
    return dest


def checkout(source: Path, commit: str, dest: Path) -> Path:
    """A fresh repository at ``dest`` whose HEAD is ``commit`` of ``source`` (and only that commit)."""
    dest.mkdir(parents=True, exist_ok=True)
    _git(["init", "--quiet"], cwd=dest)
    try:
        _git(["fetch", "--quiet", "--depth", "1", str(source.resolve()), commit], cwd=dest)
    except InfraError as e:
        raise InfraError(f"commit {commit} is not in {source}: {e}") from e
    _git(["checkout", "--quiet", "FETCH_HEAD"], cwd=dest)
    _git(["config", "user.email", "gauntlet@localhost"], cwd=dest)
    _git(["config", "user.name", "gauntlet"], cwd=dest)
    return dest


def _git(args: list[str], cwd: Path) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise InfraError(f"git {' '.join(args[:2])} failed: {r.stderr.strip()[-500:]}")
    return r.stdout
