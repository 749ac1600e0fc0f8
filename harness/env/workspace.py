"""Task -> the workspace an agent works in: the buggy tree in a fresh git repository of one commit.

Three task shapes are accepted:
- a SWE-format instance (``instance_id``, ``repo``, ``base_commit``, ...; generated tasks are
  these, with ``repos_dir`` naming their task store): the tree at ``base_commit``;
- a repository task ``{"kind": "repository", "repo": PATH, "language": ..., "tests": [...]}`` (the
  reward engine's shape): the tree at PATH;
- a generated task's file: the caller reads tasks.jsonl; each row is a SWE-format instance.

The tree is exported without history (``git archive``, or a copy without ``.git``) and committed
once into a new repository, so ``git diff`` shows the agent's changes while the fix (the buggy
commit's parent in the task store) is not reachable from the workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError

_IGNORED = shutil.ignore_patterns(".git", "target", "node_modules", "__pycache__", ".pytest_cache", ".gauntlet*")
BUILD_OUTPUTS = ("target/", "node_modules/", "__pycache__/", "*.pyc", ".pytest_cache/", ".ruff_cache/", ".gauntlet*",
                 "Cargo.lock", "package-lock.json", "go.sum", "*.tsbuildinfo", "dist/")
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "gauntlet", "GIT_AUTHOR_EMAIL": "gauntlet@localhost",
    "GIT_COMMITTER_NAME": "gauntlet", "GIT_COMMITTER_EMAIL": "gauntlet@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class TaskInfo:
    """What an episode needs to know of its task."""

    kind: str  # "swe" | "repository"
    task: dict[str, Any]
    language: str | None
    problem: str
    task_id: str
    repos_dir: Path | None = None  # swe: the repository cache / task store
    extra: dict[str, Any] = field(default_factory=dict)


def task_info(task: dict[str, Any] | str, repos_dir: str | Path | None = None) -> TaskInfo:
    """Recognise ``task`` (a dict or its JSON text); ``UsageError`` for anything else."""
    if isinstance(task, str):
        try:
            task = json.loads(task)
        except json.JSONDecodeError as e:
            raise UsageError(f"the task is not JSON: {e}") from None
    if not isinstance(task, dict):
        raise UsageError("a task is a JSON object (a SWE-format instance or a repository task)")
    if task.get("kind") == "repository":
        repo = task.get("repo")
        if not repo or not Path(repo).is_dir():
            raise UsageError(f"repository task: 'repo' is not a directory: {repo!r}")
        problem = task.get("problem_statement") or task.get("problem") or (
            "The test suite of this repository fails. Find the bug in the source code and fix it so that "
            "the tests pass, without changing the tests.")
        return TaskInfo("repository", task, task.get("language"), problem, task.get("id") or Path(repo).name)
    if {"instance_id", "repo", "base_commit"} <= set(task):
        store = repos_dir or task.get("repos_dir")
        if not store:
            raise UsageError(f"{task['instance_id']}: no repository cache (pass repos_dir, or a generated task with repos_dir)")
        from harness.benchmarks.swebench.dataset import language_of

        return TaskInfo("swe", task, language_of(task), task.get("problem_statement") or "", task["instance_id"], Path(store))
    raise UsageError("unknown task: expected a SWE-format instance (instance_id, repo, base_commit) "
                     "or {\"kind\": \"repository\", \"repo\": PATH}")


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    r = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False,
                       env={**os.environ, **_GIT_ENV})
    if r.returncode != 0:
        raise UsageError(f"git {' '.join(args[:2])} failed in {cwd}: {r.stderr.decode(errors='replace').strip()[-300:]}")
    return r.stdout


def prepare(info: TaskInfo, parent: Path | None = None) -> Path:
    """A new directory holding the task's tree as the single commit of a fresh repository."""
    dest = Path(tempfile.mkdtemp(prefix="gauntlet-env-", dir=parent)) / "workspace"
    dest.mkdir()
    try:
        if info.kind == "repository":
            src = Path(info.task["repo"])
            shutil.copytree(src, dest, symlinks=True, ignore=_IGNORED, dirs_exist_ok=True)
        else:
            from harness.benchmarks.swebench.repos import repo_path

            source = repo_path(info.repos_dir, info.task["repo"])
            if source is None:
                raise UsageError(f"{info.task_id}: repository {info.task['repo']} is not in {info.repos_dir}")
            archive = _git(["archive", "--format=tar", info.task["base_commit"]], source)
            with tempfile.TemporaryFile() as f:
                f.write(archive)
                f.seek(0)
                with tarfile.open(fileobj=f) as tar:
                    if hasattr(tarfile, "tar_filter"):
                        tar.extractall(dest, filter="tar")
                    else:  # Python < 3.11.4 (Debian bookworm's 3.11.2): no filters; git archive writes
                        tar.extractall(dest)  # noqa: S202 - no absolute or '..' member names
        _git(["init", "-q", "-b", "main"], dest)
        # Build outputs and generated lock files never belong to the agent's diff (untracked only:
        # a lock file the task tracks still shows its changes).
        (dest / ".git" / "info").mkdir(exist_ok=True)
        (dest / ".git" / "info" / "exclude").write_text("\n".join(BUILD_OUTPUTS) + "\n")
        _git(["add", "-A", "."], dest)
        _git(["-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", f"task {info.task_id}"], dest)
    except BaseException:
        shutil.rmtree(dest.parent, ignore_errors=True)
        raise
    return dest


def remove(workspace: Path) -> None:
    shutil.rmtree(Path(workspace).parent, ignore_errors=True)
