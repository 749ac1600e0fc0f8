"""Real pytest-dev instances of SWE-bench Lite / Verified in own mode, on release trees from PyPI.

Without GitHub the repository at an instance's base commit cannot be had; pytest's sdists on PyPI
are its tree at each release (tests included).  For instances whose gold patch and test patch
apply to a release tree that lacks the fix (``git apply --check``, and not ``--reverse``), this
evaluates a derived row: the release tree committed (tagged with its version, which setuptools_scm
reads) stands for the base commit, and the row's eval script is unchanged except for that commit id.  The
environment is built from SWE-bench's published spec of the row's (repo, version), read from the
swebench 4.1.0 wheel on PyPI; the spec's Python (3.9) is not on this machine, so the image's
python3 stands in (``python_fallback``), which the results record.  Gold should resolve, empty not.

    GAUNTLET_BASE_IMAGE=gauntlet-base:bookworm python bench/swebench_pytest_release_trees.py \\
        --data ../shared/data/swebench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from harness.benchmarks.swebench.dataset import load_instances
from harness.benchmarks.swebench.environments import OwnEnvironment
from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions
from harness.benchmarks.swebench.run import RunOptions, run
from harness.plugins import get_plugin_manager

# instance -> the release whose tree the gold and test patches apply to, without the fix
CASES = {
    "pytest-dev__pytest-11148": "7.4.0",  # Lite
    "pytest-dev__pytest-10051": "7.1.3",  # Verified
    "pytest-dev__pytest-10356": "7.1.3",  # Verified
    "pytest-dev__pytest-10081": "7.0.1",  # Verified
}
GIT_ENV = {"GIT_AUTHOR_NAME": "g", "GIT_AUTHOR_EMAIL": "g@g", "GIT_COMMITTER_NAME": "g", "GIT_COMMITTER_EMAIL": "g@g"}


def sh(*args: str, cwd: Path | None = None) -> str:
    import os

    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True, env={**os.environ, **GIT_ENV}).stdout


def release_repo(store: Path, version: str, downloads: Path) -> tuple[Path, str]:
    """``store/pytest-dev__pytest``: a git repository of pytest's sdist at ``version``; its commit."""
    repo = store / "pytest-dev__pytest"
    sh(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", f"pytest=={version}",
       "-d", str(downloads))
    with tarfile.open(downloads / f"pytest-{version}.tar.gz") as t:
        t.extractall(store, filter="data")
    (store / f"pytest-{version}").rename(repo)
    sh("git", "init", "-q", "-b", "main", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", f"pytest {version} (sdist)", cwd=repo)
    sh("git", "tag", version, cwd=repo)
    # the base: a commit on top of the release, so that ``git show`` prints a commit, not the tree
    sh("git", "commit", "-q", "--allow-empty", "-m", "base", cwd=repo)
    return repo, sh("git", "rev-parse", "HEAD", cwd=repo).strip()


def applies(repo: Path, patch: str, reverse: bool = False) -> bool:
    with tempfile.NamedTemporaryFile("w", suffix=".diff") as f:
        f.write(patch)
        f.flush()
        args = ["git", "apply", "--check"] + (["--reverse"] if reverse else []) + [f.name]
        return subprocess.run(args, cwd=repo, capture_output=True).returncode == 0


def absent(repo: Path, test_ids: list[str] | None) -> list[str]:
    """The tests (``file::[Class::]name[params]``) whose function the release tree does not define:
    a failure of theirs is the stand-in tree's (added between the release and the base commit)."""
    out = []
    for t in test_ids or []:
        path, *_, name = t.split("::")
        name = name.split("[")[0]
        f = repo / path
        if not f.is_file() or f"def {name}(" not in f.read_text(encoding="utf-8"):
            out.append(t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="folder with lite-test.parquet and verified-test.parquet")
    ap.add_argument("-i", "--instance-id", action="append", help="only these (default: all of CASES)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "swebench_pytest_release_trees.json")
    a = ap.parse_args()
    rows = {r["instance_id"]: r for f in ("lite-test.parquet", "verified-test.parquet")
            for r in load_instances(str(a.data / f))}
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-pytest-trees-"))
    sh(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "swebench==4.1.0", "-d", str(tmp))
    wheel = tmp / "swebench-4.1.0-py3-none-any.whl"
    results = []
    for iid in a.instance_id or list(CASES):
        row, version = rows[iid], CASES[iid]
        store = tmp / iid
        store.mkdir()
        repo, commit = release_repo(store, version, tmp)
        ok = applies(repo, row["patch"]) and applies(repo, row["test_patch"]) and not applies(repo, row["patch"], True)
        derived = {**row, "base_commit": commit, "eval_script": row["eval_script"].replace(row["base_commit"], commit)}
        env = OwnEnvironment("docker", store, get_plugin_manager(), env_specs=wheel, python_fallback=True)
        rec = {"instance_id": iid, "dataset_version": row["version"], "release_tree": version, "patches_apply": ok,
               "spec": env.env_specs.for_instance(row).__dict__ | {"extra": None}}
        for label, preds in (("gold", gold_predictions([derived])), ("empty", empty_predictions([derived]))):
            t0 = time.monotonic()
            summary = run([derived], preds, env, RunOptions(run_id=f"{iid}-{label}", output=tmp / "out"))
            res = json.loads((tmp / "out" / f"{iid}-{label}" / "results.jsonl").read_text().splitlines()[0])
            status = (res.get("report") or {}).get(iid, {}).get("tests_status", {})
            rec[label] = {"resolved": summary["resolved_ids"] == [iid], "status": res["status"],
                          "seconds": round(time.monotonic() - t0, 1),
                          "f2p_failed": (status.get("FAIL_TO_PASS") or {}).get("failure"),
                          "p2p_failed": (status.get("PASS_TO_PASS") or {}).get("failure")}
        rec["p2p_absent_from_release_tree"] = absent(repo, rec["gold"]["p2p_failed"])
        image = next((n for n in env.images if n.startswith("gauntlet-swe/")), None)
        if image:
            from harness.sandbox import images

            out = images.client().containers.run(image, ["cat", "/opt/gauntlet-env/gauntlet-python.txt"], remove=True)
            rec["python"] = out.decode().strip()
        print(json.dumps(rec), flush=True)
        results.append(rec)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"logs": str(tmp / "out"), "results": results}, indent=2) + "\n")
    print(f"wrote {a.out}; logs under {tmp / 'out'}")


if __name__ == "__main__":
    main()
