"""Agent environments with scripted agents (no model): real plugins, real toolchains, the jail.

In each of the four languages a scripted agent resolves a task made by task generation through the
tools, graded through ``gauntlet swebench``'s own-mode path; in Rust, Go and TypeScript another
resolves a repository task graded like ``RewardEngine``.  One agent fails, one tries to escape and is
refused (and its reward says so), one writes tests and gets a mutation score; bad calls, budgets and
truncation are observations, never exceptions.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy, fixed_copy, fixing_agent  # noqa: E402

from harness.env import Episode, EpisodeOptions  # noqa: E402
from harness.env.trajectory import leaderboard_rows, read  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402


def _need(language: str):
    pm = get_plugin_manager()
    if language not in pm.languages():
        pytest.skip(reason=f"gauntlet-{language} is not installed (pip install -e plugins/{language})")
    if not shutil.which(BUGS[language][4]):
        pytest.skip(reason=f"{BUGS[language][4]} is not on PATH")
    return pm


@pytest.fixture(scope="module")
def python_task(tmp_path_factory):
    """One task from the real task generator on the (fixed) slugify example."""
    pytest.importorskip("swebench", reason="the swebench extra is not installed")
    from harness.tasks.generate import GenerateOptions, generate

    pm = _need("python")
    tmp = tmp_path_factory.mktemp("env-python")
    src = fixed_copy("python", tmp / "slugify")
    out = tmp / "tasks.jsonl"
    opts = GenerateOptions(language="python", repo_name="example/slugify", output=out, store=tmp / "store",
                           max_tasks=1, max_candidates=12, workers=1, seed=3, timeout=120,
                           files=("slugify/core.py",))
    report = generate(src, opts, pm)
    assert report.kept == 1, report.by_verdict
    return json.loads(out.read_text().splitlines()[0])


def _bug_of(task: dict) -> tuple[str, str, str]:
    """(file, buggy line, fixed line) of a generated task, from its gold patch."""
    m = task["mutation"]
    minus = [ln[1:] for ln in task["patch"].splitlines() if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln[1:] for ln in task["patch"].splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return m["file"], minus[0], plus[0]


def test_python_generated_task_resolved_and_graded_like_swebench(python_task, tmp_path):
    traj = tmp_path / "traj.jsonl"
    file, bug, good = _bug_of(python_task)
    with Episode(python_task, EpisodeOptions(trajectory=str(traj))) as ep:
        first = ep.reset()
        assert python_task["problem_statement"] in first.text and "slugify/core.py" in first.data["files"]
        seen = fixing_agent(ep, file, bug.strip(), good.strip())
        # the fix is not reachable from the workspace's git: one commit, and not the store's clean one
        assert ep.exec(["git", "rev-list", "--all"]).stdout.split() == [ep.exec(["git", "rev-parse", "HEAD"]).stdout.strip()]
        assert ep.exec(["git", "cat-file", "-e", python_task["environment_setup_commit"]]).exit_code != 0
    assert not seen[3].data["passed"] and seen[5].data["passed"]
    end = seen[-1]
    assert end.done and ep.result["resolved"], ep.result["reward"]
    assert ep.result["reward"]["breakdown"]["swebench_status"] == "resolved"
    assert end.reward == ep.result["reward"]["value"] >= 0.7
    assert ep.result["roles"]["debugger"]["value"] == 1.0 and ep.metrics.test_runs_to_green == 2
    assert ep.result["diff_lines"] == 2 and ep.metrics.format_accuracy == 1.0
    # the trajectory: read by the leaderboard and the SFT loader
    rec = next(read(traj))
    assert [s["tool"] for s in rec["steps"]] == ["search", "read_file", "run_tests", "edit", "run_tests", "git_diff", "submit"]
    row = leaderboard_rows(traj)[0]
    assert row["resolved"] and row["test_runs_to_green"] == 2 and row["diff_lines"] == 2
    from typer.testing import CliRunner

    from harness.cli import app

    run_dir = traj.parent / "board-run"
    shown = CliRunner().invoke(app, ["env-summary", str(traj), "--json", "--run-dir", str(run_dir), "--model", "scripted"])
    assert shown.exit_code == 0 and json.loads(shown.stdout.splitlines()[-1]) == row
    from leaderboards.runs import load_run  # the leaderboard shows the episode per instance

    board = load_run(run_dir)
    assert board.benchmark == "agent-env" and board.model == "scripted"
    assert [(r.outcome, r.detail) for r in board.rows] == [("resolved", "2 test run(s) to green, 2 diff lines")]
    pytest.importorskip("transformers", reason="the train extra is not installed")
    from trainers.data import sft_texts
    from trainers.tiny import build_tokenizer

    texts = sft_texts(build_tokenizer(["x"]), None, traj)  # read -> edit -> test -> submit, as chat text
    assert len(texts) == 1 and python_task["problem_statement"].splitlines()[0] in texts[0]
    assert texts[0].index('"name": "run_tests"') < texts[0].index('"name": "edit"') < texts[0].index('"name": "submit"')


def test_tester_role_gets_a_mutation_score(python_task):
    """A Tester adds a test file; it passes on the fixed code and catches the task's own bug."""
    opts = EpisodeOptions(allow_test_edits=True, roles=("tester",), tester_mutants=1)
    test = ("from slugify import slugify\n\n\ndef test_agent_examples():\n"
            "    assert slugify('Hello, World!') == 'hello-world'\n    assert slugify('  a  b ') == 'a-b'\n"
            "    assert slugify('abc def', max_length=5) == 'abc'\n")
    with Episode(python_task, opts) as ep:
        ep.reset()
        assert ep.step({"name": "edit", "arguments": {"path": "tests/test_agent.py", "old": "", "new": test}}).ok
        end = ep.step({"name": "submit", "arguments": {}})
    tester = end.data["result"]["roles"]["tester"]
    assert tester["row"] == "mutation score", tester
    assert tester["breakdown"]["tests"] == ["tests/test_agent.py::test_agent_examples"]
    assert any(k.startswith("the task's bug") for k in tester["breakdown"]["killed"])
    assert 0 < tester["value"] <= 1


@pytest.mark.parametrize("language", ["rust", "go", "typescript"])
def test_generated_task_resolved_in_each_language(language, tmp_path):
    """Task generation injects a bug the tests catch; a scripted agent fixes it through the tools."""
    pytest.importorskip("swebench", reason="the swebench extra is not installed")
    from harness.tasks.generate import GenerateOptions, generate

    pm = _need(language)
    project, file, _, _, _, network = BUGS[language]
    src = fixed_copy(language, tmp_path / project.name)
    out = tmp_path / "tasks.jsonl"
    opts = GenerateOptions(language=language, repo_name=f"example/{project.name}", output=out, store=tmp_path / "store",
                           max_tasks=1, max_candidates=8, workers=1, seed=3, files=(file,), network=network)
    report = generate(src, opts, pm)
    assert report.kept == 1, report.by_verdict
    task = json.loads(out.read_text().splitlines()[0])
    with Episode(task, EpisodeOptions(fetch_deps=network)) as ep:
        first = ep.reset()
        assert task["problem_statement"] in first.text
        seen = [ep.step({"name": "read_file", "arguments": {"path": task["mutation"]["file"]}}),
                ep.step({"name": "run_tests", "arguments": {}}),
                ep.step({"name": "apply_patch", "arguments": {"patch": task["patch"]}}),
                ep.step({"name": "run_tests", "arguments": {}}),
                ep.step({"name": "git_diff", "arguments": {}}),
                ep.step({"name": "submit", "arguments": {}})]
        assert ep.exec(["git", "cat-file", "-e", task["environment_setup_commit"]]).exit_code != 0
    assert not seen[1].data["passed"] and seen[3].data["passed"], seen[3].text
    assert seen[-1].done and ep.result["resolved"], ep.result["reward"]
    assert ep.result["reward"]["breakdown"]["swebench_status"] == "resolved"
    assert seen[-1].reward == ep.result["reward"]["value"] >= 0.7


@pytest.mark.parametrize("language", ["rust", "go", "typescript"])
def test_repository_task_resolved_in_each_language(language, tmp_path):
    _need(language)
    project, file, good, bug, _, network = BUGS[language]
    repo = buggy_copy(language, tmp_path / project.name)
    with Episode({"kind": "repository", "repo": str(repo), "language": language},
                 EpisodeOptions(fetch_deps=network)) as ep:
        seen = fixing_agent(ep, file, bug.strip(), good.strip())
    assert not seen[3].data["passed"] and seen[5].data["passed"], seen[5].text
    assert ep.result["resolved"], ep.result["reward"]
    assert [f for f in seen[6].data["files"]] == [file]  # build outputs are not part of the diff


def test_failing_agent_and_equal_to_the_reward_engine(tmp_path):
    """A wrong fix: tests still fail, and the reward is the one RewardEngine gives the same patch."""
    from harness.rewards.engine import RewardEngine

    _need("python")
    _, file, good, bug, _, _ = BUGS["python"]
    repo = buggy_copy("python", tmp_path / "slugify")
    task = {"kind": "repository", "repo": str(repo), "language": "python"}
    with Episode(task) as ep:
        ep.reset()
        assert ep.step({"name": "edit", "arguments": {"path": file, "old": bug, "new": bug + "  # looked at"}}).ok
        end = ep.step({"name": "submit", "arguments": {}})
    assert not ep.result["resolved"] and end.reward == 0.1
    assert ep.result["roles"]["debugger"]["value"] == 0.0 and ep.result["roles"]["coder"]["breakdown"]["gated"]
    outside = RewardEngine().score_one(json.dumps({"name": "apply_patch", "arguments": {"patch": ep.result["diff"]}}), task)
    assert (outside.value, outside.row) == (end.reward, ep.result["reward"]["row"])


def test_escape_attempts_are_refused_and_the_reward_says_so(tmp_path):
    _need("python")
    _, file, good, bug, _, _ = BUGS["python"]
    repo = buggy_copy("python", tmp_path / "slugify")
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret\n")
    os.symlink(secret, repo / "leak.txt")
    os.symlink(tmp_path, repo / "outside")
    link_patch = ("diff --git a/evil b/evil\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/evil\n"
                  "@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n")
    test_patch = ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
                  "+++ b/tests/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n")
    attempts = [
        ("read_file", {"path": "../secret.txt"}, "path"),
        ("read_file", {"path": str(secret)}, "path"),
        ("read_file", {"path": "leak.txt"}, "symlink"),
        ("edit", {"path": "outside/secret.txt", "old": "host", "new": "owned"}, "symlink"),
        ("read_file", {"path": ".git/config"}, "git"),
        ("list_files", {"path": ".git"}, "git"),
        ("edit", {"path": "tests/test_slugify.py", "old": "def ", "new": "def _"}, "test_edit"),
        ("apply_patch", {"patch": test_patch}, "test_edit"),
        ("apply_patch", {"patch": link_patch}, "symlink"),
    ]
    with Episode({"kind": "repository", "repo": str(repo), "language": "python"}) as ep:
        ep.reset()
        for name, args, kind in attempts:
            obs = ep.step({"name": name, "arguments": args})
            assert not obs.ok and obs.data.get("refused") == kind, (name, args, obs.text)
        assert ep.step({"name": "edit", "arguments": {"path": file, "old": bug, "new": good}}).ok
        end = ep.step({"name": "submit", "arguments": {}})
    assert secret.read_text() == "host secret\n"
    assert end.reward == -0.3 and ep.result["reward"]["row"] == "workspace escape refused"
    assert ep.result["reward"]["breakdown"]["graded"]["value"] == 1.0  # the fix itself was right
    assert not ep.result["resolved"] and len(ep.result["refused"]) == len(attempts)
    assert ep.metrics.refused == len(attempts) and ep.metrics.format_accuracy == 1.0


def test_bad_calls_budgets_and_truncation_are_observations(tmp_path):
    _need("python")
    repo = buggy_copy("python", tmp_path / "slugify")
    task = {"kind": "repository", "repo": str(repo), "language": "python"}
    bad = ["not a call", '{"name": "read_file", "arguments": {"path": ', {"name": "rm_rf", "arguments": {}},
           {"name": "read_file", "arguments": {"path": "x", "mode": "w"}}, {"name": "read_file"}, 42,
           {"name": "read_file", "arguments": "[1, 2]"}]
    with Episode(task, EpisodeOptions(max_steps=len(bad) + 2, max_output_chars=300, roles=())) as ep:
        ep.reset()
        for call in bad:
            obs = ep.step(call)
            assert not obs.ok and obs.text.startswith("malformed tool call:") and not obs.done, obs.text
        missing = ep.step({"name": "read_file", "arguments": {"path": "nope.py"}})
        assert missing.data["kind"] == "tool_error" and "no such file" in missing.text
        long = ep.step('<tool_call>{"name": "read_file", "arguments": {"path": "tests/test_slugify.py"}}</tool_call>')
        assert long.ok and long.data["truncated"] > 0 and "characters truncated" in long.text
        # the budget ends it with no change made: graded as RewardEngine grades an empty patch (one that
        # does not apply: the build-failure row), never the unchanged tree's "builds, tests fail" (+0.1)
        assert long.done and long.data["budget"].startswith("step budget") and long.reward == -0.3
        after = ep.step({"name": "git_diff", "arguments": {}})
        assert after.done and after.error == "done"
    assert ep.metrics.malformed == len(bad) and ep.metrics.format_accuracy == round(1 - len(bad) / (len(bad) + 2), 6)
    assert ep.close()["submitted"]


def test_workspace_has_one_commit_and_no_build_outputs(tmp_path):
    from harness.env.workspace import prepare, remove, task_info

    repo = buggy_copy("python", tmp_path / "slugify")
    (repo / "__pycache__").mkdir()
    ws = prepare(task_info({"kind": "repository", "repo": str(repo)}))
    try:
        log = subprocess.run(["git", "rev-list", "--all"], cwd=ws, capture_output=True, text=True, check=True).stdout.split()
        assert len(log) == 1 and not (ws / "__pycache__").exists()
    finally:
        remove(ws)
    assert not ws.parent.exists()
