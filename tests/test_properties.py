"""Property tests: arbitrary bytes and text never crash the parsers and readers with an unexpected
exception.  Each returns a valid result or raises the project's own error type, which the CLI turns
into a usage or infrastructure error with a message instead of a traceback.

Why: test logs, predictions, samples and completions come from models, runners that crashed, or
files cut short; a parser that raises ``KeyError`` or ``TypeError`` on them takes a whole run
down.  Besides plain text and bytes, the strategies build JSON documents from each format's own
vocabulary (field names and values), which reach far deeper than random text.  Every ``@example``
is a regression: an input that crashed before the fix next to it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.outcome import Status, TestResult

# 200 examples each keeps the module well under a minute; GAUNTLET_FUZZ_EXAMPLES=5000 for a deeper hunt.
FUZZ = settings(max_examples=int(os.environ.get("GAUNTLET_FUZZ_EXAMPLES", 200)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow], database=None)

# -- strategies ---------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=12)


def objects(keys: list[str], words: list[str]) -> st.SearchStrategy[dict]:
    """JSON objects over a format's field names, with its words, any JSON value, or a wrong type."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), st.sampled_from(words) | json_values, max_size=len(keys))


def lines_of(items: st.SearchStrategy) -> st.SearchStrategy[str]:
    """Documents of one record per line, mixed with stray text lines."""
    return st.lists(st.one_of(items.map(json.dumps), st.text(max_size=30)), max_size=10).map("\n".join)


_TMP = Path(tempfile.mkdtemp(prefix="gauntlet-props-"))
atexit.register(shutil.rmtree, _TMP, True)


def as_file(data: bytes | str, suffix: str) -> Path:
    """The input as a file (readers take paths); one file per suffix, rewritten each example."""
    path = _TMP / f"input{suffix}"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


def valid_results(tests: dict) -> None:
    for tid, res in tests.items():
        assert isinstance(tid, str) and isinstance(res, TestResult) and isinstance(res.status, Status)
        assert res.duration is None or isinstance(res.duration, (int, float))
        assert res.message is None or isinstance(res.message, str)


# -- test-log parsers ---------------------------------------------------------------------------

JUNIT_TAGS = ["testsuites", "testsuite", "testcase", "failure", "error", "skipped", "system-out"]
junit_attrs = st.dictionaries(st.sampled_from(["name", "classname", "file", "time", "message"]),
                              st.sampled_from(["tests.test_x", "tests/test_x.py", "T", "0.1", "", "nan", "x y", "1e999"])
                              | st.text(alphabet="abc./:_-T0123456789 ", max_size=12), max_size=5)


def _xml(tag: str, attrs: dict, children: list[str]) -> str:
    from xml.sax.saxutils import quoteattr

    return f"<{tag} " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + ">" + "".join(children) + f"</{tag}>"


junit_docs = st.recursive(st.builds(_xml, st.sampled_from(JUNIT_TAGS), junit_attrs, st.just([])),
                          lambda inner: st.builds(_xml, st.sampled_from(JUNIT_TAGS), junit_attrs, st.lists(inner, max_size=3)),
                          max_leaves=8)


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), junit_docs))
@example('<testsuite><testcase classname="t" name="a" time="0,5"/></testsuite>')  # time not a float
def test_junit_xml(report):
    import xml.etree.ElementTree as ET

    from gauntlet_python import junit

    try:
        tests = junit.parse(report, exists=lambda path: False)
    except ET.ParseError:  # documented: a truncated or malformed report (the plugin reports it)
        return
    valid_results(tests)


GO_ACTIONS = ["run", "pass", "fail", "skip", "output", "pause", "cont", "start", "bench", "build-output", "build-fail"]
go_events = objects(["Action", "Package", "Test", "Output", "Elapsed", "FailedBuild", "ImportPath", "Time"],
                    GO_ACTIONS + ["TestA", "TestA/sub", "example.com/p", "panic: boom\n", "--- FAIL: TestA (0.00s)\n"])


@FUZZ
@given(st.one_of(st.text(max_size=200), lines_of(go_events)))
@example('{"Action": "pass", "Package": ["p"], "Test": "T"}')  # unhashable package
@example('{"Action": "output", "Package": "p", "Test": "T", "Output": 7}')  # output not text
@example('{"Action": "fail", "Package": "p", "Test": "T", "Elapsed": "slow"}')  # elapsed not a number
@example('{"Action": ["pass"], "Package": "p"}')  # unhashable action
def test_go_test_json(stdout):
    from gauntlet_go import testjson

    run = testjson.parse(stdout)
    for pkg in run.packages.values():
        valid_results(pkg.tests)
    valid_results(testjson.merge(list(run.packages.values())))
    assert all(isinstance(line, str) for line in run.log)


CARGO_KEYS = ["reason", "type", "event", "name", "package_id", "target", "executable", "manifest_path", "kind",
              "success", "stdout", "message", "exec_time"]
CARGO_WORDS = ["compiler-artifact", "build-finished", "test", "suite", "started", "ok", "failed", "ignored", "timeout",
               "lib", "bin", "tests::a", "geom 0.1.0 (path+file:///w)", "/w/Cargo.toml", "/w/target/debug/deps/geom-1"]
cargo_msgs = st.recursive(objects(CARGO_KEYS, CARGO_WORDS), lambda inner: st.dictionaries(st.sampled_from(CARGO_KEYS), inner, max_size=3),
                          max_leaves=6)
cargo_lines = st.sampled_from(["     Running unittests src/lib.rs (target/debug/deps/geom-1)", "   Doc-tests geom",
                               "error: test failed, to rerun pass `--lib`",
                               "process didn't exit successfully: `x` (signal: 6)"])


@FUZZ
@given(st.one_of(st.text(max_size=200),
                 st.lists(st.one_of(cargo_msgs.map(json.dumps), cargo_lines, st.text(max_size=20)), max_size=10).map("\n".join)))
@example('{"reason": "compiler-artifact", "target": "lib", "package_id": 3}')  # target / package id of the wrong type
@example('   Doc-tests geom\n{"type": "test", "event": "ok", "name": ["a"]}')  # unhashable test name
@example('   Doc-tests geom\n{"type": "test", "event": "failed", "name": "a", "stdout": 5}')  # output not text
def test_cargo_test_output(output):
    from gauntlet_rust import libtest

    parsed = libtest.parse(output, root="/w")
    valid_results(parsed.tests)
    assert all(isinstance(v, str) for v in parsed.names.values())


def test_cargo_library_artifact_with_null_executable_still_maps_doc_tests():
    """The type checks above must keep cargo's real shape working: a lib has ``"executable": null``."""
    from gauntlet_rust import libtest

    lib = {"reason": "compiler-artifact", "package_id": "geom 0.1.0 (path+file:///w)", "manifest_path": "/w/geom/Cargo.toml",
           "target": {"kind": ["lib"], "name": "geom"}, "executable": None}
    events = [{"type": "suite", "event": "started"}, {"type": "test", "event": "ok", "name": "src/lib.rs - f (line 1)"},
              {"type": "suite", "event": "ok"}]
    out = "\n".join([json.dumps(lib), "   Doc-tests geom", *map(json.dumps, events)])
    assert list(libtest.parse(out, root="/w").tests) == ["geom/doc::geom/src/lib.rs - f (line 1)"]


jest_assertion = objects(["status", "title", "ancestorTitles", "duration", "failureMessages"],
                         ["passed", "failed", "pending", "todo", "x", "adds"])
jest_suite = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["/w/a.test.ts", "b.test.js"]) | json_values,
    "status": st.sampled_from(["passed", "failed"]) | json_values,
    "assertionResults": st.lists(jest_assertion, max_size=3) | json_values,
    "message": json_values, "testExecError": json_values})
jest_docs = st.fixed_dictionaries({}, optional={"testResults": st.lists(jest_suite, max_size=3) | json_values}).map(json.dumps)


@FUZZ
@given(st.one_of(st.text(max_size=200), jest_docs, json_values.map(json.dumps)))
@example("[]")  # valid JSON, not an object
@example('{"testResults": [{"name": "a", "assertionResults": [{"status": ["failed"]}]}]}')  # unhashable status
@example('{"testResults":[{"assertionResults":[{"failureMessages":true}]}]}')  # messages not a list (found by hypothesis)
def test_jest_and_vitest_json(text):
    from gauntlet_typescript.reports import parse_jest_json

    try:
        parsed = parse_jest_json(text, "/w")
    except ValueError:  # documented: not a jest / vitest report (JSONDecodeError included)
        return
    valid_results(parsed.tests)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.crashed.items())


node_events = objects(["nesting", "name", "file", "event", "kind", "skip", "todo", "failure", "duration_ms", "message"],
                      ["pass", "fail", "suite", "test", "/w/a.test.mjs", "adds", "hookFailed", "subtestsFailed", 0, 1, 2])


@FUZZ
@given(st.one_of(st.text(max_size=200), lines_of(node_events)))
@example('{"nesting": 0}')  # no name, no event
@example('{"nesting": 0, "name": ["t"], "event": "pass", "file": 3}')  # name / file of the wrong type
def test_node_test_events(text):
    from gauntlet_typescript.reports import parse_node_events

    parsed = parse_node_events(text, "/w")
    valid_results(parsed.tests)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.crashed.items())


# -- patches ------------------------------------------------------------------------------------

diff_lines = st.sampled_from(["diff --git a/x.py b/x.py", "--- a/x.py", "+++ b/x.py", "--- /dev/null", "@@ -1,2 +1,2 @@",
                              "@@ -0,0 +1 @@", "-old", "+new", " same", "\\ No newline at end of file",
                              "+++ b/tests/test_x.py", "+++ b/pyproject.toml", "+addopts = -p no:x", "GIT binary patch",
                              "rename from tests/a.py", "copy to conftest.py", 'diff --git "a/t\\303x" "b/t\\303x"',
                              "Binary files a/x and b/tests/y differ", "new mode 100755"])
patches = st.lists(diff_lines | st.text(max_size=20), max_size=15).map("\n".join)


@FUZZ
@given(st.one_of(st.text(max_size=300), patches))
def test_patch_parsers(patch):
    from harness.benchmarks.swebench.guard import find_test_edits, touched_paths
    from harness.rewards.parse import parse_completion
    from harness.sandbox.base import patch_files, validate_patch
    from harness.tasks.generate import normalised_diff
    from harness.tasks.stats import diff_size

    problem = validate_patch(patch)
    assert problem is None or isinstance(problem, str)
    files = patch_files(patch)
    assert files == sorted(set(files)) and all(isinstance(f, str) and f for f in files)
    assert set(find_test_edits(patch)) <= touched_paths(patch)  # every header's paths, both sides
    assert isinstance(normalised_diff(patch), str) and diff_size(patch) >= 0
    assert parse_completion(f"```diff\n{patch}\n```", "patch").kind in ("patch", "none")


@FUZZ
@given(st.text(alphabet="ab\n \t", max_size=60), st.text(alphabet="ab\n \t", max_size=60))
def test_generated_diffs_are_valid_patches_of_their_file(before, after):
    from harness.mutation import unified_diff
    from harness.sandbox.base import patch_files, validate_patch

    diff = unified_diff("src/m.py", before, after)
    if before.splitlines(keepends=True) == after.splitlines(keepends=True):
        assert diff == ""
    else:
        assert validate_patch(diff) is None and patch_files(diff) == ["src/m.py"]


# -- tool-call / completion parser --------------------------------------------------------------

TOOLS = ["apply_patch", "submit", "write_solution", "submit_solution", "read_file"]
tool_json = st.fixed_dictionaries({}, optional={"name": st.sampled_from(TOOLS) | json_values,
                                                "arguments": objects(["patch", "diff", "code", "solution", "content"],
                                                                     ["print(1)", "diff --git a/x b/x"]) | json_values})
harmony = st.builds("<|channel|>commentary to=functions.{} <|constrain|>json<|message|>{}<|call|>".format,
                    st.sampled_from(TOOLS) | st.text(alphabet="abc_", min_size=1, max_size=8),
                    tool_json.map(json.dumps) | st.text(max_size=30))
completions = st.lists(st.one_of(st.text(max_size=40), harmony, tool_json.map(json.dumps),
                                 st.builds("```{}\n{}\n```".format, st.sampled_from(["", "python", "diff"]), st.text(max_size=30))),
                       max_size=5).map("\n".join)


@FUZZ
@given(st.one_of(st.text(max_size=300), completions), st.sampled_from(["patch", "code"]))
@example('{"name": ["apply_patch"], "arguments": {}}', "patch")  # unhashable tool name
@example('{"name": {"x": 1}, "arguments": "{}"}', "code")
def test_completion_parser(text, want):
    from harness.rewards.parse import parse_completion

    p = parse_completion(text, want)
    assert p.kind in (want, "none") and p.source in ("tool_call", "fence", "raw", "none")
    assert (p.artefact is None) == (p.kind == "none") and isinstance(p.tool_calls, int)
    assert p.error is None or (isinstance(p.error, str) and p.artefact is None)
    json.dumps(p.to_dict())


# -- predictions / samples / tasks readers ------------------------------------------------------

prediction_rows = objects(["instance_id", "model_name_or_path", "model_patch"], ["a__b-1", "m", "diff --git a/x b/x\n", ""])


def _documents(rows: st.SearchStrategy) -> st.SearchStrategy:
    """Whole files: JSON Lines or a JSON list / mapping of rows, text, or bytes."""
    return st.one_of(st.binary(max_size=100), st.text(max_size=100), lines_of(rows),
                     st.lists(rows, max_size=4).map(json.dumps), json_values.map(json.dumps))


@FUZZ
@given(_documents(prediction_rows), st.sampled_from([".jsonl", ".json"]))
@example(b"\xff\n", ".jsonl")  # not UTF-8
@example('{"instance_id": ["a"]}', ".jsonl")  # unhashable id
@example('{"instance_id": "a", "model_patch": 5}', ".jsonl")  # patch not text
def test_predictions_reader(data, suffix):
    from harness.benchmarks.swebench.dataset import DatasetError
    from harness.benchmarks.swebench.predictions import load_predictions

    try:
        preds = load_predictions(as_file(data, suffix))
    except DatasetError as e:
        assert "input" in str(e) or "prediction" in str(e)
        return
    for iid, row in preds.items():
        assert isinstance(iid, str) and row["instance_id"] == iid
        assert isinstance(row["model_patch"], str) and isinstance(row["model_name_or_path"], str)


humaneval_rows = objects(["task_id", "completion"], ["HumanEval/0", "HumanEval/999", "    return 1\n"])


@FUZZ
@given(_documents(humaneval_rows), st.sampled_from([".jsonl", ".jsonl.gz"]))
@example(b"\xff\n", ".jsonl")  # not UTF-8
@example(b"not gzip", ".jsonl.gz")  # a .gz that is not gzip
@example('{"task_id": ["HumanEval/0"], "completion": ""}', ".jsonl")  # unhashable task id
@example('{"task_id": "HumanEval/0", "completion": 5}', ".jsonl")  # completion not text
def test_humaneval_samples_reader(data, suffix):
    from harness.benchmarks import humaneval as he

    problems = {"HumanEval/0": {"task_id": "HumanEval/0"}}
    try:
        by_task = he.group_samples(he.read_samples(as_file(data, suffix)), problems)
    except he.HumanEvalError:
        return
    assert set(by_task) <= set(problems) and all(isinstance(c, str) for cs in by_task.values() for c in cs)


lcb_samples = objects(["question_id", "code_list", "code"], ["abc123", "print(1)", 1])
lcb_problems = objects(["question_id", "question_title", "platform", "contest_id", "contest_date", "starter_code", "difficulty",
                        "public_test_cases", "private_test_cases", "metadata"],
                       ["q1", "2024-08-01T00:00:00", "not a date", "easy", '[{"input": "1", "output": "2", "testtype": "stdin"}]',
                        '{"func_name": "f"}', "eJzLSM3JyVcozy/KSQEAGgQEXQ==", "[1]", '[{"input": 1}]'])


@FUZZ
@given(_documents(lcb_samples), st.sampled_from([".jsonl", ".json"]))
@example("5", ".json")  # a JSON document that is neither a list nor an object
@example(b"\xff", ".json")  # not UTF-8
def test_lcb_samples_reader(data, suffix):
    from harness.benchmarks import livecodebench as lcbm

    try:
        codes = lcbm.read_samples(as_file(data, suffix))
    except lcbm.LCBError:
        return
    assert all(isinstance(q, str) and all(isinstance(c, str) for c in cs) for q, cs in codes.items())


def test_lcb_code_list_that_is_a_string_is_an_error_not_one_sample_per_character(tmp_path):
    from harness.benchmarks import livecodebench as lcbm

    path = tmp_path / "samples.jsonl"
    path.write_text('{"question_id": "q", "code_list": "print(1)"}\n')
    with pytest.raises(lcbm.LCBError, match="code_list"):
        lcbm.read_samples(path)


@FUZZ
@given(_documents(lcb_problems), st.sampled_from([".jsonl", ".json"]))
@example('[5]', ".json")  # a row that is not an object
@example('{"question_id": "q", "private_test_cases": "eJzLSM3JyVcozy/KSQEAGgQEXQ=="}', ".jsonl")  # zlib of a non-pickle
@example('{"question_id": "q", "private_test_cases": "AAAA"}', ".jsonl")  # base64 that is not zlib
@example('{"question_id": "q", "metadata": "[1]"}', ".jsonl")  # metadata that is not a mapping (fn_name crashed later)
def test_lcb_problems_reader(data, suffix):
    from harness.benchmarks import livecodebench as lcbm

    try:
        problems = lcbm.load_problems(str(as_file(data, suffix)))
    except lcbm.LCBError:
        return
    for p in problems:
        assert isinstance(p.question_id, str) and isinstance(p.metadata, dict)
        assert all(isinstance(t.input, str) and isinstance(t.output, str) for t in p.tests)


task_rows = objects(["instance_id", "repo", "base_commit", "patch", "test_patch", "FAIL_TO_PASS", "PASS_TO_PASS", "language"],
                    ["t-1", "slugify", "abc", "diff --git a/x b/x\n", '["a"]', "[", "python"])


@FUZZ
@given(_documents(task_rows), st.sampled_from([".jsonl", ".json"]))
@example("\n", ".jsonl")  # a blank line
@example('{"instance_id": "t", "FAIL_TO_PASS": "["}', ".jsonl")  # a test list that is not JSON
@example("[5]", ".json")  # a row that is not an object
@example(b"\xff", ".jsonl")  # not UTF-8
def test_tasks_reader(data, suffix):
    """Generated tasks are read as a SWE-bench dataset (``gauntlet swebench --dataset tasks.jsonl``)."""
    pytest.importorskip("swebench")
    from harness.benchmarks.swebench.dataset import DatasetError, load_instances

    try:
        rows = load_instances(str(as_file(data, suffix)))
    except DatasetError:
        return
    for row in rows:
        assert isinstance(row, dict) and isinstance(row["instance_id"], str)
        assert all(row.get(k) is None or isinstance(row[k], list) for k in ("FAIL_TO_PASS", "PASS_TO_PASS"))


@FUZZ
@given(_documents(task_rows))
@example(b"\xff\n")  # not UTF-8
@example("[1]\n")  # a row that is not an object
def test_tasks_stats_reader(data):
    from harness.tasks.stats import TasksFileError, load_tasks

    try:
        rows = load_tasks(as_file(data, ".jsonl"))
    except TasksFileError as e:
        assert "input.jsonl" in str(e)
        return
    assert all(isinstance(r, dict) for r in rows)
