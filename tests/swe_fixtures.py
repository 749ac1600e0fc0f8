"""Build SWE-bench-format instances over small git repositories that the tests create.

``make_instance`` commits a project as the base commit, derives ``patch`` (the fix) and
``test_patch`` (the new tests) as git diffs against it, and writes an eval script in the shape
of the official ones (reset test files, apply the test patch, run the tests between the
markers, reset again).
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def diff_of(repo: Path, files: dict[str, str]) -> str:
    """The git diff that turns the committed tree into one with ``files`` written over it."""
    write(repo, files)
    git(repo, "add", "-A")
    out = git(repo, "diff", "--cached")
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-fdq")
    return out


def make_instance(
    repos: Path,
    repo: str,
    base: dict[str, str],
    fix: dict[str, str],
    new_tests: dict[str, str],
    test_command: str,
    log_parser: str,
    fail_to_pass: list[str],
    pass_to_pass: list[str],
    number: int = 1,
) -> dict:
    path = repos / repo.replace("/", "__")
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    write(path, base)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "base")
    commit = git(path, "rev-parse", "HEAD").strip()
    patch = diff_of(path, fix)
    test_patch = diff_of(path, new_tests)
    test_files = " ".join(sorted(new_tests))
    script = "\n".join([
        "#!/bin/bash",
        "set -uxo pipefail",
        "cd /testbed",
        f"git checkout {commit} {test_files} 2>/dev/null || true",
        "git apply -v - <<'EOF_114329324912'",
        test_patch.rstrip("\n"),
        "EOF_114329324912",
        ": '>>>>> Start Test Output'",
        test_command,
        ": '>>>>> End Test Output'",
        f"git checkout {commit} {test_files} 2>/dev/null || true",
        "",
    ])
    return {
        "repo": repo,
        "instance_id": f"{repo.replace('/', '__')}-{number}",
        "base_commit": commit,
        "patch": patch,
        "test_patch": test_patch,
        "problem_statement": "fix the bug",
        "hints_text": "",
        "created_at": "2026-11-22T00:00:00Z",
        "version": "0.1",
        "FAIL_TO_PASS": fail_to_pass,
        "PASS_TO_PASS": pass_to_pass,
        "environment_setup_commit": commit,
        "image": f"gauntlet-test/{repo.replace('/', '__').lower()}:latest",
        "eval_script": script,
        "log_parser": log_parser,
        "eval_type": "pass_and_fail",
    }


# A minimal Python repository whose ``add`` is wrong: the SWE instance the Ray tests run on nodes.
MATHY = {
    "mathy/__init__.py": "",
    "mathy/ops.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
    "tests/__init__.py": "",
    "tests/test_ops.py": "from mathy.ops import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
}


def mathy_instance(repos: Path) -> dict:
    """``toy/mathy`` as an instance (clone under ``repos``): gold fixes ``add``, a new test checks it."""
    fix = {"mathy/ops.py": MATHY["mathy/ops.py"].replace("a - b", "a + b")}
    new_tests = {"tests/test_ops.py": MATHY["tests/test_ops.py"] + "\n\ndef test_add():\n    assert add(2, 3) == 5\n"}
    return make_instance(repos, "toy/mathy", MATHY, fix, new_tests,
                         test_command="python -m pytest -rA -p no:cacheprovider tests/test_ops.py",
                         log_parser="parse_log_pytest", fail_to_pass=["tests/test_ops.py::test_add"],
                         pass_to_pass=["tests/test_ops.py::test_mul"])
