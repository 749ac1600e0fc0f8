"""A git store of repository snapshots: the clean tree and one commit per generated bug.

Generated instances point at a ``base_commit`` in this store (the buggy tree, on top of the clean
snapshot), so ``gauntlet swebench --mode own --repos STORE`` evaluates them like any other
instance.  Commits are written with git plumbing on a temporary index: no checkout is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "gauntlet", "GIT_AUTHOR_EMAIL": "gauntlet@localhost",
    "GIT_COMMITTER_NAME": "gauntlet", "GIT_COMMITTER_EMAIL": "gauntlet@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}
IGNORED = shutil.ignore_patterns(".git", "target", "node_modules", "__pycache__", ".pytest_cache", ".gauntlet*")


class TaskStore:
    def __init__(self, root: Path, repo: str):
        self.repo = repo
        self.path = Path(root).resolve() / repo.replace("/", "__")

    def git(self, *args: str, index: str | None = None, stdin: str | None = None, strip: bool = True) -> str:
        env = {**os.environ, **_ENV}
        if index:
            env["GIT_INDEX_FILE"] = index
        r = subprocess.run(["git", *args], cwd=self.path, env=env, input=stdin, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"git {' '.join(args[:2])} failed in {self.path}: {r.stderr.strip()[-400:]}")
        return r.stdout.strip() if strip else r.stdout

    def snapshot(self, source: Path) -> tuple[str, Path]:
        """Commit ``source``'s files (build outputs excluded) as the clean snapshot; returns (commit, tree dir)."""
        tree = self.path.parent / f".{self.path.name}.clean"
        if tree.exists():
            shutil.rmtree(tree)
        shutil.copytree(source, tree, symlinks=True, ignore=IGNORED)
        if not (self.path / ".git").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")
        with tempfile.TemporaryDirectory() as tmp:
            index = str(Path(tmp) / "index")
            self.git("--work-tree", str(tree), "add", "-A", ".", index=index)
            tree_id = self.git("write-tree", index=index)
        existing = self.git("rev-parse", "-q", "--verify", "refs/heads/main^{tree}") if self._has("main") else ""
        if existing == tree_id:
            return self.git("rev-parse", "refs/heads/main"), tree
        commit = self.git("commit-tree", tree_id, "-m", f"clean snapshot of {self.repo}")
        self.git("update-ref", "refs/heads/main", commit)
        return commit, tree

    def _has(self, branch: str) -> bool:
        return subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/heads/{branch}"], cwd=self.path,
                              capture_output=True, check=False).returncode == 0

    def commit_changes(self, parent: str, changes: list[tuple[str, bytes, str, str]]) -> dict[str, tuple[str, str]]:
        """One commit on top of ``parent`` per change ``(path, content, name, message)``: file ``path``
        replaced by ``content``, on ref ``refs/heads/<name>``.  Returns ``name -> (commit, fix)``,
        the fix being the patch ``git diff commit parent``.

        One ``git fast-import`` writes every commit and one ``git diff-tree --stdin`` prints every
        patch: thousands of tasks would otherwise cost a dozen git processes each."""
        if not changes:
            return {}
        modes = {path: "100755" if self._is_executable(parent, path) else "100644" for path in {c[0] for c in changes}}
        stream = bytearray()
        for mark, (path, content, name, message) in enumerate(changes, start=1):
            msg = message.encode()
            stream += (f"commit refs/heads/{name}\nmark :{mark}\n"
                       f"committer gauntlet <gauntlet@localhost> 1767225600 +0000\ndata {len(msg)}\n").encode()
            stream += msg + f"\nfrom {parent}\nM {modes[path]} inline {_quoted(path)}\ndata {len(content)}\n".encode()
            stream += content + b"\n"
        with tempfile.TemporaryDirectory() as tmp:
            marks = Path(tmp) / "marks"
            r = subprocess.run(["git", "fast-import", "--quiet", "--force", f"--export-marks={marks}"], cwd=self.path,
                               input=bytes(stream), capture_output=True, check=False)
            if r.returncode != 0:
                raise RuntimeError(f"git fast-import failed in {self.path}: {r.stderr.decode(errors='replace')[-400:]}")
            by_mark = dict(line.split() for line in marks.read_text().splitlines())
        commits = [by_mark[f":{i}"] for i in range(1, len(changes) + 1)]
        # -R: each commit's change reversed, i.e. the fix, byte for byte ``git diff commit parent``
        # (-R swaps the prefixes too, hence b/ and a/ given the other way round).
        out = self.git("diff-tree", "--stdin", "-R", "-p", "--no-color", "--src-prefix=b/", "--dst-prefix=a/",
                       stdin="\n".join(commits) + "\n", strip=False)
        patches: dict[str, str] = {}
        current = None
        wanted = set(commits)
        for line in out.splitlines(keepends=True):
            if line.rstrip("\n") in wanted:
                current = line.rstrip("\n")
                patches[current] = ""
            elif current is not None:
                patches[current] += line
        return {name: (c, patches.get(c, "")) for (_, _, name, _), c in zip(changes, commits, strict=False)}

    def _is_executable(self, commit: str, path: str) -> bool:
        out = subprocess.run(["git", "ls-tree", commit, "--", path], cwd=self.path, capture_output=True, text=True, check=False)
        return out.stdout.startswith("100755")


def _quoted(path: str) -> str:
    """A path as fast-import reads it: C-style quoted when it has a quote, backslash or newline."""
    if not any(c in path for c in '"\\\n') and not path.startswith(" "):
        return path
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
