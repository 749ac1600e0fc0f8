"""The default reward table and the composite reward, row by row."""

import pytest

from harness.outcome import BuildResult, Diagnostic, LintReport, Outcome, Status, TestReport, TestResult
from harness.rewards import composite_reward, default_reward


def report(*statuses: Status, **kw) -> TestReport:
    return TestReport(tests={f"t{i}": TestResult(s) for i, s in enumerate(statuses)}, **kw)


WARN = LintReport(diagnostics=[Diagnostic("unused import", "a.py", 1, severity="warning", code="F401")], tool="ruff")
CLEAN = LintReport(tool="ruff")
OK = BuildResult(ok=True)


@pytest.mark.parametrize(
    "outcome,value,row",
    [
        (Outcome(build=OK, tests=report(Status.PASSED, Status.SKIPPED), lint=CLEAN), 1.0, "tests pass and lint clean"),
        (Outcome(build=OK, tests=report(Status.PASSED), lint=WARN), 0.7, "tests pass, lint warnings"),
        (Outcome(build=OK, tests=report(Status.PASSED, Status.FAILED), lint=CLEAN), 0.1, "builds, tests fail"),
        (Outcome(build=OK, tests=report(Status.PASSED, Status.ERROR)), 0.1, "builds, tests fail"),
        (Outcome(build=OK, tests=report(Status.PASSED, timed_out=True)), 0.1, "builds, tests fail"),
        (Outcome(build=OK, tests=report(error="no tests collected")), 0.1, "builds, tests fail"),
        (Outcome(build=BuildResult(ok=False, diagnostics=[Diagnostic("invalid syntax", "a.py", 3)])), -0.3, "build / syntax failure"),
        (Outcome(patch_applied=False, patch_error="the patch does not apply"), -0.3, "build / syntax failure"),
        (Outcome(format_error="no code block"), -1.0, "invalid tool-call format"),
        (Outcome(infra_error="docker daemon died"), None, "infrastructure error"),
    ],
)
def test_default_table(outcome, value, row):
    r = default_reward(outcome)
    assert (r.value, r.row) == (value, row)


def test_breakdown_says_why():
    r = default_reward(Outcome(build=OK, tests=report(Status.FAILED, Status.FAILED, Status.PASSED)))
    assert r.breakdown["tests"]["failed"] == 2 and "2 failed" in r.breakdown["why"]
    r = default_reward(Outcome(build=BuildResult(ok=False, diagnostics=[Diagnostic("bad", "a.py", 3)])))
    assert r.breakdown["build_errors"] == ["a.py:3: error: bad"]


def test_lint_not_run_is_recorded():
    r = default_reward(Outcome(build=OK, tests=report(Status.PASSED)))
    assert r.value == 1.0 and r.breakdown["lint"] == "not run"


def test_composite_counts_quality_terms_only_when_correct():
    good = Outcome(build=OK, tests=report(Status.PASSED), lint=CLEAN)
    r = composite_reward(good, diff_minimality=1.0, tool_efficiency=0.5, thinking_quality=0.0)
    assert r.value == pytest.approx(0.5 * 1.0 + 0.2 * 1.0 + 0.15 * 0.5 + 0.0)
    assert not r.breakdown["gated"]
    bad = Outcome(build=OK, tests=report(Status.FAILED), lint=CLEAN)
    r = composite_reward(bad, diff_minimality=1.0, tool_efficiency=1.0, thinking_quality=1.0)
    assert r.value == pytest.approx(0.5 * 0.1)
    assert r.breakdown["gated"] and not r.breakdown["terms"]["diff_minimality"]["counted"]


def test_outcome_round_trips_through_json():
    import json

    o = Outcome(language="python", build=OK, tests=report(Status.PASSED, Status.FAILED), lint=WARN, patch_applied=True)
    back = Outcome.from_dict(json.loads(json.dumps(o.to_dict())))
    assert back == o
