"""LiveCodeBench: loading, private-test decoding, date windows, checker semantics, CLI, and verdict
equality with lcb_runner's own grader where it is importable."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from lcb_reference import PROBLEMS, SAMPLES, compare_verdicts, lcb_runner_available
from typer.testing import CliRunner

from harness.benchmarks import lcb_checker
from harness.benchmarks import livecodebench as lcbm
from harness.benchmarks.executor import Executor
from harness.cli import app
from harness.results import read_manifest, read_records

# Expected verdicts of tests/data/lcb_samples.json under the current checker.
EXPECTED = {
    "abc001_a": ["passed", "wrong_answer", "timeout", "runtime_error", "wrong_answer", "passed", "compile_error", "passed"],
    "abc002_b": ["passed", "passed", "wrong_answer", "passed"],
    "1900_A": ["passed", "wrong_answer", "passed"],
    "abc003_c": ["passed", "wrong_answer", "wrong_answer"],
    "lc_two_sum": ["passed", "wrong_answer", "timeout", "runtime_error", "compile_error"],
    "lc_is_even": ["passed", "wrong_answer", "wrong_answer"],
}


@pytest.fixture(scope="module")
def ex():
    with Executor(2) as e:
        yield e


@pytest.fixture(scope="module")
def problems():
    return {p.question_id: p for p in lcbm.load_problems(str(PROBLEMS))}


def test_load_decodes_private_tests_and_metadata(problems):
    p = problems["abc001_a"]
    assert not p.private_test_cases[0].input.startswith("{")  # decoded from base64+zlib+pickle
    assert [t.output for t in p.tests] == ["3\n", "30\n", "0\n", "2000000000\n"]
    assert problems["lc_two_sum"].fn_name == "twoSum" and problems["lc_two_sum"].tests[2].testtype == "functional"
    assert p.contest_date == datetime(2023, 5, 6) and p.platform == "atcoder"
    tests = [{"input": "1", "output": "2", "testtype": "stdin"}]
    assert lcbm.decode_private_tests(lcbm.encode_private_tests(tests)) == tests


def test_date_window(problems):
    start, end = lcbm.parse_day("2023-07-01", "--start-date"), lcbm.parse_day("2024-01-31", "--end-date")
    ids = {p.question_id for p in lcbm.in_window(problems.values(), start, end)}
    assert ids == {"lc_two_sum", "abc002_b", "1900_A"}
    with pytest.raises(lcbm.LCBError):
        lcbm.parse_day("2024/01/01", "--start-date")


def test_checkers():
    assert lcb_checker.compare_stdio("0.50\n", "0.5")[0]
    assert lcb_checker.compare_stdio(" 1  2 \n\n", "1 2")[0]
    assert not lcb_checker.compare_stdio("0.3333333\n", "0.3333333333")[0]
    assert not lcb_checker.compare_stdio("1\n2\n", "1 2")[0]
    assert not lcb_checker.compare_stdio("50000000000000001", "50000000000000000")[0]
    assert lcb_checker.compare_stdio_legacy("0.3333333\n", "0.3333333333")[0]
    assert lcb_checker.compare_stdio_legacy("1\n\n2\n", "1\n2")[0]
    assert not lcb_checker.compare_stdio_legacy("50000000000000001", "50000000000000000")[0]  # ints stay exact
    assert lcb_checker.compare_functional((1, 2), [1, 2]) and not lcb_checker.compare_functional([(1, 2)], [[1, 2]])


def test_sample_verdicts(ex, problems):
    codes = lcbm.read_samples(SAMPLES)
    for qid, expected in EXPECTED.items():
        rec = lcbm.grade_problem(ex, problems[qid], codes[qid], timeout=2)
        assert [c["verdict"] for c in rec["codes"]] == expected, qid
    wrong = lcbm.grade_problem(ex, problems["abc001_a"], codes["abc001_a"][1:2], timeout=2)["codes"][0]
    assert (wrong["failed_test"], wrong["input"], wrong["expected"], wrong["output"]) == (0, "1 2\n", "3\n", "-1\n")


def test_legacy_checker_accepts_float_tolerance(ex, problems):
    codes = lcbm.read_samples(SAMPLES)["abc003_c"]
    rec = lcbm.grade_problem(ex, problems["abc003_c"], codes, timeout=2, checker="legacy")
    assert rec["graded_list"] == [True, True, True]


@pytest.mark.skipif(not lcb_runner_available(), reason="lcb_runner is not importable (not on PyPI): "
                    "put a LiveCodeBench checkout on PYTHONPATH to compare verdicts with it")
def test_verdicts_equal_lcb_runner(ex):
    rows = compare_verdicts(ex)
    assert [r for r in rows if not r["agree"]] == []


def test_cli_lcb(tmp_path):
    run = tmp_path / "run"
    args = ["lcb", "--samples", str(SAMPLES), "--dataset", str(PROBLEMS), "--run-dir", str(run), "--timeout", "2",
            "--start-date", "2024-01-01", "--json", "--workers", "2"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 1, r.output  # some samples fail
    summary = json.loads(r.stdout[r.stdout.index("{"):])
    assert summary["problems"] == 3 and summary["pass@1"] == pytest.approx((2 / 3 + 1 / 3 + 1 / 3) / 3)
    recs = {x["task_id"]: x for x in read_records(run)}
    assert set(recs) == {"1900_A", "abc003_c", "lc_is_even"} and recs["1900_A"]["graded_list"] == [True, False, True]
    assert read_manifest(run)["benchmark"] == "livecodebench"
    again = CliRunner().invoke(app, args)  # resumes: nothing left to grade, same summary
    assert again.exit_code == 1 and json.loads(again.stdout[again.stdout.index("{"):])["pass@1"] == summary["pass@1"]
    bad = CliRunner().invoke(app, [*args[:-4], "--start-date", "2030-01-01"])
    assert bad.exit_code == 2
