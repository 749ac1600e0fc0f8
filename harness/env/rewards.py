"""Grading at submit: the task's reward exactly as outside an episode, plus the per-role rewards.

- repository tasks: ``gauntlet check`` of the repository with the agent's diff, test edits rejected
  unless allowed, and the reward table (``reward_for``): what ``RewardEngine`` does for a completion
  carrying the same patch;
- SWE-format instances: ``gauntlet swebench --mode own``'s ``evaluate_instance`` in a fresh session on
  the instance's tree (FAIL_TO_PASS / PASS_TO_PASS graded by swebench), the reward table applied to
  that grading with the build and lint of the final workspace.

Refused calls (leaving the workspace, git internals, editing tests) make the episode's reward the
table's "test edits rejected" / "workspace escape refused" row (-0.3, like a patch that edits tests).

Roles (the seed's multi-agent system): Coder = the composite (correctness, diff minimality, tool
efficiency, P-GRPO gated); Debugger = fixed within k test runs; Reviewer = lint findings and diff
size; Tester = mutation score of the tests the agent wrote (mutants from the plugin's
``gauntlet_mutate`` plus the task's own bug, killed while the tests pass on the fixed code).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.benchmarks.swebench.guard import find_test_edits
from harness.env.tools import diff_size
from harness.outcome import Outcome, Status, TestReport, TestResult
from harness.rewards import composite_reward, reward_for
from harness.rewards.table import BUILD_FAILURE, TESTS_PASS_LINT_WARNINGS, Reward
from harness.sandbox.base import patch_files

if TYPE_CHECKING:  # pragma: no cover
    from harness.env.episode import Episode

REFERENCE_DIFF_LINES = 10  # diff minimality's yardstick when the task has no gold patch


def split_diff(diff: str, files: list[str]) -> tuple[str, str]:
    """(the parts of ``diff`` not touching ``files``, the parts touching them)."""
    keep, rest = [], []
    for block in re.split(r"(?m)^(?=diff --git )", diff):
        if not block:
            continue
        m = re.match(r"diff --git a/(\S+) b/(\S+)", block)
        (rest if m and (m.group(2) in files or m.group(1) in files) else keep).append(block)
    return "".join(keep), "".join(rest)


def grade(ep: "Episode") -> dict[str, Any]:
    diff = ep.diff()
    tests = find_test_edits(diff)
    code_diff, test_diff = split_diff(diff, tests) if ep.options.allow_test_edits else (diff, "")
    if ep.info.kind == "repository":
        reward, outcome = _repository(ep, code_diff)
    else:
        reward, outcome = _swe(ep, code_diff)
    resolved = reward.value is not None and reward.value >= TESTS_PASS_LINT_WARNINGS
    if ep.violations:
        kinds = sorted({v["kind"] for v in ep.violations})
        row = "test edits rejected" if kinds == ["test_edit"] else "workspace escape refused"
        graded = reward.to_dict()
        reward = Reward(BUILD_FAILURE, row, {"refused": ep.violations, "graded": graded})
    lines = diff_size(diff)
    gold = ep.info.task.get("patch")
    reference = diff_size(gold) if gold else REFERENCE_DIFF_LINES
    minimality = 1.0 if lines == 0 else min(1.0, reference / lines)
    efficiency = max(0.0, 1.0 - (ep.metrics.calls - 1) / ep.options.max_steps)
    roles: dict[str, dict[str, Any]] = {}
    wanted = list(ep.options.roles) + (["tester"] if test_diff and "tester" not in ep.options.roles else [])
    if "coder" in wanted:
        coder = composite_reward(outcome, diff_minimality=minimality, tool_efficiency=efficiency) if outcome else reward
        if ep.violations and coder.value is not None:
            coder = Reward(BUILD_FAILURE, reward.row, coder.breakdown)
        roles["coder"] = coder.to_dict()
    if "debugger" in wanted:
        k, runs = ep.options.debugger_k, ep.metrics.test_runs
        value = 0.0 if not resolved or ep.violations else (1.0 if runs <= k else round(k / runs, 6))
        roles["debugger"] = {"value": value, "row": f"fixed within {k} test runs" if value == 1.0 else "debugger",
                             "breakdown": {"test_runs": runs, "k": k, "resolved": resolved}}
    if "reviewer" in wanted:
        findings = len(outcome.lint.diagnostics) if outcome and outcome.lint and not outcome.lint.error else 0
        value = 0.0 if lines == 0 else round(0.5 / (1 + findings) + 0.5 * minimality, 6)
        roles["reviewer"] = {"value": value, "row": "lint findings and diff size",
                             "breakdown": {"lint_findings": findings, "diff_lines": lines, "diff_minimality": minimality}}
    if "tester" in wanted:
        roles["tester"] = tester_reward(ep, test_diff)
    return {"reward": reward.to_dict(), "resolved": resolved and not ep.violations, "roles": roles, "diff": diff,
            "diff_lines": lines, "test_files": tests, "refused": list(ep.violations)}


def _repository(ep: "Episode", diff: str) -> tuple[Reward, Outcome | None]:
    """As ``RewardEngine`` scores a completion carrying ``diff`` for this repository task."""
    from harness.evaluate import CheckOptions, check

    task = ep.info.task
    edits = find_test_edits(diff)
    if edits and not ep.options.allow_test_edits:
        return Reward(BUILD_FAILURE, "test edits rejected", {"test_edits": edits}), None
    outcome = check(task["repo"], CheckOptions(language=ep.language, patch=diff, selection=task.get("tests"),
                                               timeout=task.get("timeout", ep.options.grade_timeout),
                                               backend=ep.options.backend), pm=ep.pm)
    return reward_for(outcome, {"task": task, "kind": "repository"}, pm=ep.pm), outcome


def _swe(ep: "Episode", diff: str) -> tuple[Reward, Outcome | None]:
    """As ``gauntlet swebench --mode own`` grades a prediction carrying ``diff``."""
    from harness.benchmarks.swebench.environments import OwnEnvironment
    from harness.benchmarks.swebench.run import evaluate_instance

    instance = ep.info.task
    env = OwnEnvironment(ep.options.backend, ep.info.repos_dir, ep.pm, fetch_deps=ep.options.fetch_deps)
    pred = {"instance_id": instance["instance_id"], "model_name_or_path": "gauntlet-env", "model_patch": diff}
    with tempfile.TemporaryDirectory(prefix="gauntlet-env-grade-") as tmp:
        res = evaluate_instance(env, instance, pred, Path(tmp), ep.options.grade_timeout,
                                reject_test_edits=not ep.options.allow_test_edits)
    outcome = Outcome(language=ep.language, backend=ep.options.backend)
    if res.status == "error":
        outcome.infra_error = res.error
    elif res.status == "rejected":
        return Reward(BUILD_FAILURE, "test edits rejected", {"test_edits": res.test_edits}), None
    elif res.status == "patch_failed":
        outcome.patch_applied, outcome.patch_error = False, "the patch does not apply"
    else:
        outcome.patch_applied = True if diff else None
        outcome.build = ep.hooks.gauntlet_build(session=ep.session)
        entry = res.report[instance["instance_id"]]
        status = entry.get("tests_status") or {}
        report = TestReport()
        for group in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            for t in status.get(group, {}).get("success", []):
                report.tests[t] = TestResult(Status.PASSED)
            for t in status.get(group, {}).get("failure", []):
                report.tests[t] = TestResult(Status.FAILED)
        outcome.tests = report
        if outcome.build is None or outcome.build.ok:
            outcome.lint = ep.hooks.gauntlet_lint(session=ep.session)
    reward = reward_for(outcome, {"task": instance, "kind": "swe"}, pm=ep.pm)
    reward.breakdown["swebench_status"] = res.status
    return reward, outcome


def tester_reward(ep: "Episode", test_diff: str) -> dict[str, Any]:
    """Mutation score of the agent's tests: the share of mutants of the fixed code they catch, given
    that they pass on the fixed code.  Runs in a fresh sandbox on the fixed tree."""
    from harness.env.workspace import prepare, remove
    from harness.sandbox import Limits, get_backend

    if not test_diff:
        return {"value": 0.0, "row": "no tests written", "breakdown": {}}
    tree = prepare(ep.info)
    try:
        gold = ep.info.task.get("patch") or ""
        task_bugs = {path: (tree / path).read_text(encoding="utf-8") for path in patch_files(gold)}
        if gold:  # the fixed tree: our own fresh repository and the store's gold patch, so git runs here
            subprocess.run(["git", "apply", "-"], cwd=tree, input=gold.encode(), check=True, capture_output=True)
        mutants = [(f"the task's bug in {path}", path, text) for path, text in task_bugs.items()] + _mutants(ep, tree)
        backend = get_backend(ep.options.backend)
        image = None if ep.options.backend == "local" else ep.hooks.gauntlet_image(language=ep.language)
        session = backend.open(tree, language=ep.language, image=image, limits=Limits(timeout=ep.options.tool_timeout),
                               cache_key=ep.cache_key)
        try:
            before = ep.hooks.gauntlet_test(session=session, selection=None, fail_fast=False)
            patched = session.apply_patch(test_diff)
            if not patched.applied:
                return {"value": 0.0, "row": "tests do not apply", "breakdown": {"why": patched.message}}
            after = ep.hooks.gauntlet_test(session=session, selection=None, fail_fast=False)
            new = sorted(set(after.tests) - set(before.tests))
            if not new:
                return {"value": 0.0, "row": "no new tests ran", "breakdown": {}}
            failing = [t for t in new if after.tests[t].status != Status.PASSED]
            if failing:
                return {"value": 0.0, "row": "agent tests fail on the fixed code", "breakdown": {"failing": failing[:20]}}
            killed = []
            for label, path, text in mutants:
                original = session.read_file(path)
                session.write_file(path, text)
                try:
                    run = ep.hooks.gauntlet_test(session=session, selection=new, fail_fast=True)
                    status = {t: r.status for t, r in run.tests.items()}
                    if run.timed_out or run.error or any(status.get(t) != Status.PASSED for t in new):
                        killed.append(label)
                finally:
                    session.write_file(path, original)
            score = round(len(killed) / len(mutants), 6) if mutants else 0.0
            return {"value": score, "row": "mutation score",
                    "breakdown": {"tests": new, "mutants": [m[0] for m in mutants], "killed": killed}}
        finally:
            session.close()
    finally:
        remove(tree)


def _mutants(ep: "Episode", tree: Path) -> list[tuple[str, str, str]]:
    """(label, file, mutated text): the plugin's mutants of the fixed tree's source files, as task
    generation draws them (``gauntlet_mutate``), the first ``tester_mutants`` that apply."""
    from harness.mutation import MutateOptions, applied

    candidates = ep.hooks.gauntlet_mutate(workspace=tree, options=MutateOptions(
        language=ep.language, seed=0, max_candidates=ep.options.tester_mutants * 4)) or []
    texts: dict[str, str] = {}
    found: list[tuple[str, str, str]] = []
    for m in candidates:
        if len(found) >= ep.options.tester_mutants:
            break
        if m.file not in texts:
            texts[m.file] = (tree / m.file).read_text(encoding="utf-8")
        text = applied(texts[m.file], m)
        if text is not None:
            found.append((f"{m.operator} at {m.file}:{m.line}", m.file, text))
    return found
