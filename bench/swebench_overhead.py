"""SWE-bench harness overhead: time beyond the eval script's own run, for one instance.

Overhead = total instance time - eval script time (environment: repository checkout, sandbox
copy, dependency step, patch, grading and report writing).  Runs the instance cold (new output
directory) and warm (again, same caches), N times each, with the local backend in own-environment
mode on an instance built like the tests build theirs, or on a real instance with --dataset.

    python bench/swebench_overhead.py [-n 3]
    python bench/swebench_overhead.py --dataset ../shared/data/swebench/multilingual-test.parquet \\
        -i burntsushi__ripgrep-2576 --repos ~/swe-repos
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.benchmarks.swebench.dataset import load_instances, select  # noqa: E402
from harness.benchmarks.swebench.environments import OwnEnvironment  # noqa: E402
from harness.benchmarks.swebench.predictions import gold_predictions  # noqa: E402
from harness.benchmarks.swebench.run import RunOptions, run  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402


def synthetic(tmp: Path) -> tuple[list[dict], Path]:
    from swe_fixtures import make_instance
    from test_swebench_local import BASE, FIX, NEW_TESTS

    inst = make_instance(tmp / "repos", "toy/mathy", BASE, FIX, NEW_TESTS,
                         test_command="python -m pytest -rA -p no:cacheprovider tests/test_ops.py",
                         log_parser="parse_log_pytest", fail_to_pass=["tests/test_ops.py::test_add"],
                         pass_to_pass=["tests/test_ops.py::test_mul"])
    return [inst], tmp / "repos"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--dataset")
    ap.add_argument("-i", "--instance-id")
    ap.add_argument("--repos", type=Path)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-bench-swe-"))
    if a.dataset:
        instances, repos = select(load_instances(a.dataset), ids=[a.instance_id]), a.repos
    else:
        instances, repos = synthetic(tmp)
    env = OwnEnvironment("local", repos, get_plugin_manager())
    rows = []
    for i in range(a.n):
        run(instances, gold_predictions(instances), env, RunOptions(run_id=f"r{i}", output=tmp / "out"))
        rec = json.loads((tmp / "out" / f"r{i}" / "results.jsonl").read_text().splitlines()[0])
        rows.append((rec["total_seconds"], rec["eval_seconds"], rec["status"]))
    print(f"instance {instances[0]['instance_id']} (local backend, own-environment mode), {a.n} runs")
    print(f"{'run':>4} {'total s':>8} {'eval s':>8} {'overhead s':>11} status")
    for i, (t, e, s) in enumerate(rows):
        print(f"{i:>4} {t:8.3f} {e:8.3f} {t - e:11.3f} {s}")
    warm = [t - e for t, e, _ in rows[1:]] or [rows[0][0] - rows[0][1]]
    print(f"overhead: cold {rows[0][0] - rows[0][1]:.3f}s, warm median {statistics.median(warm):.3f}s")


if __name__ == "__main__":
    main()
