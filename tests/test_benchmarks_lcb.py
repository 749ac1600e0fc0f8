"""LiveCodeBench: loading, private-test decoding, date windows, checker semantics, CLI, each of
lcb_runner's quirks as a named case, and the whole quirk set against the verdicts lcb_runner's own
grader gave in the recorded side-by-side run (bench/lcb_verdict_equality.py: lcb_runner is not on
PyPI, so CI cannot run it)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from lcb_quirks import PROBLEMS, SAMPLES, code, problem_set
from typer.testing import CliRunner

from harness.benchmarks import lcb_checker
from harness.benchmarks import livecodebench as lcbm
from harness.benchmarks.executor import Executor
from harness.cli import app
from harness.results import read_manifest, read_records

RECORDED = Path(__file__).resolve().parents[1] / "bench" / "results" / "lcb_verdict_equality.json"

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


# Each quirk: (problem, code of tests/lcb_quirks.py, {checker: results list}).  The lcb and legacy
# lists are what lcb_runner (current, and 8eac093) gave in bench/results/lcb_verdict_equality.json.
QUIRKS = {
    "input_until_eof_gets_EOFError": ("read_sum", "input_until_eof",
                                      {"lcb": [True] * 4, "real-stdin": [True] * 4, "legacy": [True] * 4}),
    "for_line_in_sys_stdin_is_a_TypeError_under_lcb": ("read_sum", "for_line_in_sys_stdin",
                                                       {"lcb": [-4], "real-stdin": [True] * 4, "legacy": [True] * 4}),
    "next_sys_stdin_is_a_TypeError_under_lcb": ("read_sum", "next_sys_stdin",
                                                {"lcb": [-4], "real-stdin": [True] * 4, "legacy": [True] * 4}),
    "stdin_read_gives_everything_again": ("read_sum", "stdin_read_twice",
                                          {"lcb": [True, -2], "real-stdin": [True] * 4, "legacy": [True] * 4}),
    "stdin_buffer_read_works_only_under_lcb": ("read_sum", "stdin_buffer_read",
                                               {"lcb": [True] * 4, "real-stdin": [True] * 4, "legacy": [-1]}),
    "stdin_buffer_readline_repeats_the_first_line": ("read_sum", "stdin_buffer_readline_n",
                                                     {"lcb": [-2], "real-stdin": [True] * 4, "legacy": [-1]}),
    "from_sys_import_stdin_readline_stops_with_StopIteration": (
        "read_sum", "from_sys_import_stdin_readline_until_empty", {"lcb": [True, -4], "real-stdin": [True] * 4,
                                                                   "legacy": [True, -1]}),
    "from_sys_import_stdin_iterates_the_empty_stdin": ("read_sum", "from_sys_import_stdin_iterate",
                                                       {"lcb": [-4], "real-stdin": [True] * 4, "legacy": [-1]}),
    "open_0_and_fileno_see_no_input_under_lcb": ("read_sum", "io_open_fileno",
                                                 {"lcb": [-4], "real-stdin": [True] * 4, "legacy": [-1]}),
    "exit_after_answer_passes_except_legacy": ("exit_after_answer", "exit",
                                               {"lcb": [True] * 3, "real-stdin": [True] * 3, "legacy": [-1]}),
    "quit_fails": ("exit_after_answer", "quit", {"lcb": [-4], "legacy": [-1]}),
    "recursion_limit_50000_vs_600000": ("deep_recursion", "plain_recursion",
                                        {"lcb": [True, True, -4], "legacy": [True] * 3}),
    "decimals_exact_under_lcb_tolerant_under_legacy": ("float_division", "six_decimals",
                                                       {"lcb": [-2], "legacy": [True] * 3}),
    "legacy_float_tolerance_on_negative_large_integers": ("large_integers", "off_by_one_negative",
                                                          {"lcb": [-2], "legacy": [True, True]}),
    "legacy_positive_large_integers_stay_exact": ("large_integers", "off_by_one_positive",
                                                  {"lcb": [True, -2], "legacy": [True, False]}),
    "legacy_float_tolerance_on_integer_beside_a_float": ("integer_beside_float", "integer_off_by_one",
                                                         {"lcb": [-2], "legacy": [True, True]}),
    "legacy_keeps_the_4300_digit_limit": ("huge_integer_output", "print_power", {"lcb": [True, True], "legacy": [-1]}),
    "tokens_compared_as_decimals_under_lcb": ("output_format", "double_spaces", {"lcb": [True, True], "legacy": [False]}),
    "legacy_drops_blank_lines": ("multi_line_output", "blank_line_between", {"lcb": [-2], "legacy": [True, True]}),
    "legacy_wraps_by_lines_and_indents_strings": ("program_shapes", "multiline_string_length",
                                                  {"lcb": [True, True], "legacy": [False]}),
    "compile_error_codes": ("program_shapes", "syntax_error", {"lcb": [-4], "legacy": [-2]}),
    "functional_exit_ends_the_grading_process": ("lc_pair", "exit_call", {"lcb": [-2], "legacy": [-1]}),
    "functional_sys_exit_ends_the_grading_process": ("lc_pair", "sys_exit_call", {"lcb": [-2], "legacy": [-2]}),
    "os_exit_ends_the_grading_process": ("exit_after_answer", "os_exit", {"lcb": [-2], "real-stdin": [-2], "legacy": [-2]}),
    "functional_set_result_legacy_cannot_serialise": ("lc_pair", "set", {"lcb": [False], "legacy": [-1]}),
    "legacy_accepts_the_first_element_of_a_list": ("lc_nested", "unwrapped", {"lcb": [False], "legacy": [True, True]}),
    "legacy_gives_int_keys": ("lc_keys", "keys_as_ints", {"lcb": [-4], "legacy": [True, True]}),
}


@pytest.fixture(scope="module")
def quirk_problems():
    rows, _, _ = problem_set()
    return {r["question_id"]: lcbm.Problem.from_row(r) for r in rows}


@pytest.mark.parametrize("case", list(QUIRKS))
def test_quirk(ex, quirk_problems, case):
    qid, name, expected = QUIRKS[case]
    for checker, results in expected.items():
        rec = lcbm.grade_problem(ex, quirk_problems[qid], [code(qid, name)], timeout=2, checker=checker)
        assert rec["codes"][0]["results"] == results, (checker, rec["codes"][0])


def test_quirk_set_matches_recorded_lcb_runner(ex):
    """Every code of the set gets, under --checker lcb and legacy, the results list lcb_runner gave."""
    recorded = json.loads(RECORDED.read_text())
    rows, samples, names = problem_set()
    assert recorded["codes"] == sum(len(s["code_list"]) for s in samples), \
        "the quirk set changed: re-run bench/lcb_verdict_equality.py against lcb_runner to record its verdicts"
    want = {(r["question_id"], r["code"]): r for r in recorded["rows"]}
    jobs = [(lcbm.Problem.from_row(p), s["code_list"], checker) for p, s in zip(rows, samples, strict=True)
            for checker in ("lcb", "legacy")]
    graded = ex.map(lambda job: (job[0].question_id, job[2], lcbm.grade_problem(ex, job[0], job[1], 2, job[2])), jobs)
    differ = []
    for qid, checker, rec in graded:
        for name, c in zip(names[qid], rec["codes"], strict=True):
            theirs = want[(qid, name)]["lcb_runner" if checker == "lcb" else "lcb_runner_legacy"]
            if c["results"] != theirs:
                differ.append((qid, name, checker, c["results"], theirs))
    assert differ == []


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
    unknown = CliRunner().invoke(app, [*args, "--checker", "nope"])
    assert unknown.exit_code == 2 and "real-stdin" in unknown.output
