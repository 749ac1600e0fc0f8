"""A local cache of git repositories for own-environment mode (``--repos DIR``).

``DIR/<owner>__<name>`` (or ``DIR/<owner>/<name>``) holds a clone; where the network allows, a
missing one is cloned on demand.  An instance's tree is checked out with only its base commit
(``git fetch --depth 2``: the commit and its parent), so the eval script's ``git checkout <base_commit> -- tests`` works while
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
        # depth 2: the commit's parent too, so that the eval script's ``git show`` prints the
        # commit's own diff (as in a full clone), not the whole tree as added
        _git(["fetch", "--quiet", "--depth", "2", str(source.resolve()), commit], cwd=dest)
    except InfraError as e:
        raise InfraError(f"commit {commit} is not in {source}: {e}") from e
    _git(["checkout", "--quiet", "FETCH_HEAD"], cwd=dest)
    _git(["config", "user.email", "gauntlet@localhost"], cwd=dest)
    _git(["config", "user.name", "gauntlet"], cwd=dest)
    return dest


def scm_version(source: Path, commit: str) -> str | None:
    """The version setuptools_scm would give a full clone at ``commit`` (the instance image's copy has
    no tags), by its default scheme: the nearest tag when the commit is tagged, else the next version
    as a dev release (``7.4.0`` 46 commits on: ``7.4.1.dev46+g<sha>``; a ``.dev0`` tag, as pytest puts
    on main after branching a release: ``8.0.0.dev0`` 53 commits on is ``8.0.0.dev53+g<sha>``); None
    without a version tag (setuptools_scm in the copy then decides)."""
    import re

    r = subprocess.run(["git", "describe", "--tags", "--long", "--abbrev=9", commit], cwd=source,
                       capture_output=True, text=True)
    m = re.fullmatch(r"v?(\d+(?:\.\d+)*)(\.dev0)?-(\d+)-g([0-9a-f]+)", r.stdout.strip()) if r.returncode == 0 else None
    if not m:
        return None
    tag, dev, distance, sha = m.group(1), m.group(2), int(m.group(3)), m.group(4)
    if distance == 0:
        return tag + (dev or "")
    if dev:
        return f"{tag}.dev{distance}+g{sha}"
    parts = tag.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return f"{'.'.join(parts)}.dev{distance}+g{sha}"


def _git(args: list[str], cwd: Path) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise InfraError(f"git {' '.join(args[:2])} failed: {r.stderr.strip()[-500:]}")
    return r.stdout
