"""The default outcome -> reward table and the composite reward (DESIGN.md, training roadmap).

| outcome                         | reward |
| tests pass and lint clean       | +1.0   |
| tests pass, lint warnings       | +0.7   |
| builds, tests fail              | +0.1   |
| build / syntax failure          | -0.3   |
| invalid tool-call format        | -1.0   |

A patch that does not apply counts as a build failure.  An infrastructure error gets no reward
(``value is None``): it is not the model's doing and must not train it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.outcome import Outcome

TESTS_PASS_LINT_CLEAN = 1.0
TESTS_PASS_LINT_WARNINGS = 0.7
BUILDS_TESTS_FAIL = 0.1
BUILD_FAILURE = -0.3
INVALID_FORMAT = -1.0

COMPOSITE_WEIGHTS = {"correctness": 0.5, "diff_minimality": 0.2, "tool_efficiency": 0.15, "thinking_quality": 0.15}


@dataclass
class Reward:
    """A reward with the reasons for it, so a trainer can log why."""

    value: float | None
    row: str  # which row of the table applied
    breakdown: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "row": self.row, "breakdown": self.breakdown}


def default_reward(outcome: Outcome) -> Reward:
    """Apply the default table to ``outcome``."""
    if outcome.infra_error:
        return Reward(None, "infrastructure error", {"infra_error": outcome.infra_error})
    if outcome.format_error:
        return Reward(INVALID_FORMAT, "invalid tool-call format", {"format_error": outcome.format_error})
    if outcome.patch_applied is False:
        return Reward(BUILD_FAILURE, "build / syntax failure", {"patch_error": outcome.patch_error})
    if outcome.build is not None and not outcome.build.ok:
        errs = [str(d) for d in outcome.build.errors[:5]]
        return Reward(BUILD_FAILURE, "build / syntax failure", {"build_errors": errs})
    tests = outcome.tests
    counts = tests.counts if tests else {}
    detail: dict[str, Any] = {"tests": counts}
    if tests is None or not tests.passed:
        why = "no test report" if tests is None else (
            "test run timed out" if tests.timed_out else tests.error or f"{counts['failed']} failed, {counts['error']} errors"
        )
        return Reward(BUILDS_TESTS_FAIL, "builds, tests fail", {**detail, "why": why})
    lint = outcome.lint
    if lint is None or lint.error:
        detail["lint"] = "not run" if lint is None else f"linter failed: {lint.error}"
        return Reward(TESTS_PASS_LINT_CLEAN, "tests pass and lint clean", detail)
    if lint.clean:
        return Reward(TESTS_PASS_LINT_CLEAN, "tests pass and lint clean", {**detail, "lint_warnings": 0})
    return Reward(TESTS_PASS_LINT_WARNINGS, "tests pass, lint warnings", {**detail, "lint_warnings": len(lint.diagnostics)})


def composite_reward(
    outcome: Outcome,
    *,
    diff_minimality: float | None = None,
    tool_efficiency: float | None = None,
    thinking_quality: float | None = None,
    weights: dict[str, float] | None = None,
) -> Reward:
    """Execution correctness (the default table) plus quality terms, each in 0..1.

    P-GRPO gating: the quality terms count only when the code is correct (tests pass), so a
    model cannot earn reward for a tidy diff that does not work.
    """
    w = {**COMPOSITE_WEIGHTS, **(weights or {})}
    base = default_reward(outcome)
    if base.value is None:
        return base
    terms = {"diff_minimality": diff_minimality, "tool_efficiency": tool_efficiency, "thinking_quality": thinking_quality}
    correct = base.value >= TESTS_PASS_LINT_WARNINGS
    value = w["correctness"] * base.value
    parts = {"correctness": {"weight": w["correctness"], "score": base.value, "row": base.row}}
    for name, score in terms.items():
        counted = correct and score is not None
        if counted:
            value += w[name] * max(0.0, min(1.0, score))
        parts[name] = {"weight": w[name], "score": score, "counted": counted}
    return Reward(round(value, 6), f"composite ({base.row})", {**base.breakdown, "terms": parts, "gated": not correct})
