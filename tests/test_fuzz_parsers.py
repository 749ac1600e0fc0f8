"""Arbitrary input never crashes the parsers of untrusted text: test-runner output, linter output,
completions.  They return a result (possibly empty) or raise the clear error they document."""

import json

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (pip install 'gauntlet-harness[test]')")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text that looks a little like what runners print: their keywords mixed with noise.
WORDS = st.sampled_from(["test ", "ok", "FAILED", "... ", "\n", "{", "}", '"Action":', '"pass"', "::", "<testcase", "/>",
                         "running 3 tests", "test result:", "panicked at", "--- FAIL:", "=== RUN", "[", "]", ",", "\"",
                         "```", "```python\n", "```diff\n", "<|tool_call|>", '{"name": "apply_patch", "arguments": ',
                         "to=functions.apply_patch", "<|message|>", "<|call|>", "diff --git a/x b/x\n", "@@ -1 +1 @@\n"])
NOISY = st.one_of(st.text(), st.lists(st.one_of(WORDS, st.text(max_size=5)), max_size=40).map("".join))


@SETTINGS
@given(NOISY)
@example('{"Action":"pass","Package":"p","Test":')  # a go test -json stream cut mid-line
def test_go_test_json(text):
    from gauntlet_go import testjson

    testjson.parse(text)


@SETTINGS
@given(NOISY)
@example("running 1 test\ntest a::b ... ")  # libtest output cut mid-line by a timeout
def test_rust_libtest(text):
    from gauntlet_rust import libtest

    libtest.parse(text)


@SETTINGS
@given(st.one_of(NOISY, st.binary()))
@example(b"<testsuite><testcase name='x'")
def test_pytest_junit(data):
    import xml.etree.ElementTree as ET

    from gauntlet_python import junit

    try:
        junit.parse(data)
    except ET.ParseError:
        pass  # documented: a truncated or malformed report (the plugin reports it as an error)


@SETTINGS
@given(NOISY)
def test_typescript_reports(text):
    from gauntlet_typescript import reports

    for parse in (reports.parse_jest_json, reports.parse_node_events):
        try:
            parse(text, "/work")
        except ValueError:
            pass


@SETTINGS
@given(NOISY)
def test_linters(text):
    from gauntlet_go import diagnostics, lint
    from gauntlet_python import ruff
    from gauntlet_typescript import tsc

    diagnostics.parse_positions(text, "/work")
    diagnostics.parse_vet_json(text, "/work")
    lint.parse_gofmt_diff(text)
    tsc.parse(text)
    try:
        ruff.parse(text, "/work")
    except ValueError:
        pass


@SETTINGS
@given(NOISY, st.sampled_from(["code", "patch"]))
@example('<|tool_call|>\n{"name": "apply_patch", "arguments": {"patch": ', "patch")
def test_completion_parser(text, want):
    from harness.rewards.parse import parse_completion

    p = parse_completion(text, want)
    assert p.kind in ("code", "patch", "none")
    assert (p.artefact is None) == (p.kind == "none") or p.error is not None
    json.dumps(p.to_dict())


@SETTINGS
@given(st.lists(st.one_of(NOISY, st.dictionaries(st.text(max_size=8), st.text(max_size=8)).map(json.dumps)), max_size=5))
def test_predictions_and_samples_readers(tmp_path_factory, lines):
    from harness.benchmarks import humaneval, livecodebench
    from harness.benchmarks.swebench.predictions import load_predictions

    path = tmp_path_factory.mktemp("in") / "in.jsonl"
    path.write_text("\n".join(lines))
    for read in (load_predictions, humaneval.read_samples, livecodebench.read_samples):
        try:
            read(path)
        except (ValueError, KeyError) as e:  # a clear message naming what is wrong
            assert str(e)
