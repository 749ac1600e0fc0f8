"""Task generation in Rust, Go and TypeScript on the plugins' own example projects.

A small run per language: the baseline finds stable tests, the plugin's mutations are validated with
the real toolchain, caught bugs become SWE-format instances and debug pairs, and a few of them go
through ``gauntlet swebench``'s evaluator (own-environment mode, local backend): gold resolves,
empty does not.
"""

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from harness.plugins import get_plugin_manager  # noqa: E402
from harness.tasks.generate import GenerateOptions, generate  # noqa: E402
from harness.tasks.stats import compute  # noqa: E402

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
PROJECTS = {
    # language: (project, tool it needs, dependencies downloaded by the sessions)
    "rust": (PLUGINS / "rust" / "tests" / "projects" / "textstats", "cargo", False),
    "go": (PLUGINS / "go" / "tests" / "projects" / "textkit", "go", False),
    "typescript": (PLUGINS / "typescript" / "tests" / "packages" / "nodetest_js", "npm", True),
}
KEEP = 3


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def generated(request, tmp_path_factory):
    language = request.param
    project, tool, network = PROJECTS[language]
    pm = get_plugin_manager()
    if language not in pm.languages():
        pytest.skip(reason=f"gauntlet-{language} is not installed (pip install -e plugins/{language})")
    if not shutil.which(tool):
        pytest.skip(reason=f"{tool} is not on PATH")
    tmp = tmp_path_factory.mktemp(f"tasks-{language}")
    src = tmp / project.name
    shutil.copytree(project, src, ignore=shutil.ignore_patterns("target", "node_modules"))
    out = tmp / "tasks.jsonl"
    opts = GenerateOptions(language=language, repo_name=f"example/{project.name}", output=out, store=tmp / "store",
                           max_tasks=KEEP, max_candidates=40, workers=2, seed=1, timeout=300, network=network)
    report = generate(src, opts, pm)
    return language, report, out, opts, pm


def test_caught_bugs_become_swe_instances(generated):
    language, report, out, _, _ = generated
    assert report.baseline.stable, "the clean project has passing tests"
    assert report.kept == KEEP, report.by_verdict
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == KEEP
    for row in rows:
        assert row["language"] == language and row["log_parser"] == "gauntlet"
        assert row["FAIL_TO_PASS"] and not set(row["FAIL_TO_PASS"]) & set(row["PASS_TO_PASS"])
        assert set(row["FAIL_TO_PASS"]) <= set(report.baseline.stable)
        assert row["patch"].startswith("diff --git")
        assert not any(part in row["mutation"]["file"] for part in ("tests/", "_test.go", ".test."))
    debug = [json.loads(line) for line in out.with_name("tasks.debug.jsonl").read_text().splitlines()]
    assert [d["instance_id"] for d in debug] == [r["instance_id"] for r in rows]
    assert all(d["buggy"] != d["fixed"] and d["failing_tests"] for d in debug)
    stats = compute(out)
    assert stats["tasks"] == KEEP and stats["duplicates"] == 0
    if language == "go":  # two packages: candidates were checked on their own package's tests first
        records = [json.loads(line) for line in (out.parent / "tasks.jsonl.run" / "results.jsonl").read_text().splitlines()]
        assert any("kill_check" in r for r in records)


def test_generated_tasks_gold_resolves_empty_does_not(generated, tmp_path):
    from harness.benchmarks.swebench.dataset import load_instances
    from harness.benchmarks.swebench.environments import OwnEnvironment
    from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions
    from harness.benchmarks.swebench.run import RunOptions, run

    language, _, out, opts, pm = generated
    rows = load_instances(str(out))[:2]
    env = OwnEnvironment("local", opts.store, pm, fetch_deps=opts.network)
    gold = run(rows, gold_predictions(rows), env, RunOptions(run_id="gold", output=tmp_path))
    assert gold["resolved_instances"] == len(rows), gold
    run(rows, empty_predictions(rows), env, RunOptions(run_id="empty", output=tmp_path))
    recs = [json.loads(line) for line in (tmp_path / "empty" / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in recs] == ["unresolved"] * len(rows)


def test_related_tests_rules(tmp_path):
    """The kill check's first selection: tests that can see the mutated file, per language."""
    from harness.tasks.related import related_tests

    files = {
        "pkg/core.py": "", "tests/test_core.py": "from pkg.core import f\n", "tests/test_other.py": "import json\n",
        "src/calc.ts": "", "test/calc.test.ts": "import { add } from '../src/calc';\n", "test/io.test.ts": "import x from './io';\n",
        "words/words.go": "", "words/words_test.go": "func TestSplit(t *testing.T) {}\nfunc ExampleJoin() {}\n",
        "kv/kv_test.go": "func TestParse(t *testing.T) {}\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    py = ["tests/test_core.py::test_a", "tests/test_other.py::test_b"]
    assert related_tests(tmp_path, "python", "pkg/core.py", py) == ["tests/test_core.py::test_a"]
    ts = ["test/calc.test.ts > add > works", "test/io.test.ts > reads"]
    assert related_tests(tmp_path, "typescript", "src/calc.ts", ts) == ["test/calc.test.ts > add > works"]
    go = ["TestSplit", "TestSplit/empty", "ExampleJoin", "TestParse"]
    assert related_tests(tmp_path, "go", "words/words.go", go) == ["TestSplit", "TestSplit/empty", "ExampleJoin"]
    assert related_tests(tmp_path, "rust", "src/lib.rs", ["a::b"]) is None  # the whole suite
    assert related_tests(tmp_path, "python", "pkg/core.py", ["tests/test_core.py::test_a"]) is None  # all of them anyway
