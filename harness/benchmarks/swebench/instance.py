"""Evaluate one prediction on one instance inside an open sandbox session, as the official harness does.

Steps (the official ``run_instance``'s, in our sandbox): write the patch, apply it with swebench's
chain of apply commands (each retry from a clean tree; when all fail, the official reverse check
for a patch already in the tree), run the instance's eval script with stdout and stderr merged into
a file in the sandbox (the markers come from ``set -x`` on stderr, the test output on stdout; the
file is read back whole, see ``usage``), write ``test_output.txt``, grade with swebench's
``get_eval_report`` and write ``report.json``.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.benchmarks.swebench.grading import grade, test_spec
from harness.benchmarks.swebench.guard import find_test_edits

# The harness failed on an instance (image, sandbox): not the model's fault.  Also importable from here,
# where it was defined before harness.errors.
from harness.errors import InfraError
from harness.results import atomic_write_text

PATCH_FILE = "gauntlet-patch.diff"
EVAL_FILE = "gauntlet-eval.sh"


# Outcomes the official summary files under error_ids (it writes no report.json for them) that are
# the prediction's doing, not the harness's: they count as failures (exit 1), not infrastructure errors.
EVAL_ERRORS = ("patch_failed", "timeout", "output_too_large")
INFRA_ERROR = "error"


@dataclass
class InstanceResult:
    instance_id: str
    # "resolved" | "unresolved" | "rejected" (unresolved, by --reject-test-edits) | "patch_failed" |
    # "timeout" | "output_too_large" (EVAL_ERRORS) | "error" (infrastructure)
    status: str
    report: dict[str, Any] | None = None
    test_edits: list[str] = field(default_factory=list)
    error: str | None = None  # an infrastructure failure
    reason: str | None = None  # why the prediction was rejected or errored (EVAL_ERRORS)
    eval_seconds: float = 0.0
    total_seconds: float = 0.0
    cpu_seconds: float | None = None
    peak_memory_mb: float | None = None

    def record(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "resolved": self.status == "resolved",
            "test_edits": self.test_edits,
            "error": self.error,
            "reason": self.reason,
            "eval_seconds": round(self.eval_seconds, 3),
            "total_seconds": round(self.total_seconds, 3),
            "cpu_seconds": None if self.cpu_seconds is None else round(self.cpu_seconds, 3),
            "peak_memory_mb": None if self.peak_memory_mb is None else round(self.peak_memory_mb, 1),
            "report": self.report,
        }


def apply_commands() -> list[str]:
    from swebench.harness.run_evaluation import GIT_APPLY_CMDS

    return list(GIT_APPLY_CMDS)


def reject(result: InstanceResult, log_dir: Path) -> InstanceResult:
    """``--reject-test-edits``: the prediction is unresolved, with the reason in its report.json."""
    result.status = "rejected"
    result.reason = f"rejected: edits tests or test configuration ({', '.join(result.test_edits)})"
    result.report = {result.instance_id: {
        "patch_is_None": False, "patch_exists": True, "patch_successfully_applied": False,
        "resolved": False, "rejected": result.reason,
    }}
    atomic_write_text(log_dir / "report.json", json.dumps(result.report, indent=4))
    return result


def run_instance(
    session,
    testbed: str,
    instance: dict[str, Any],
    prediction: dict[str, Any],
    log_dir: Path,
    timeout: float,
    reject_test_edits: bool = False,
    network: bool = True,
) -> InstanceResult:
    """Patch, run the eval script and grade; raises ``InfraError`` for harness failures only.

    As the official ``run_instance``: a patch that no command of the chain applies, tests that run
    past ``timeout`` and (ours) a test output past ``TEST_OUTPUT_LIMIT`` get no report.json and count
    as errors of the summary.  ``network``: whether the sandbox has network; without it pip is told
    not to look for an index, so an eval script's ``pip install`` fails at once instead of after
    DNS retries (it would fail either way)."""
    from harness.benchmarks.swebench import usage

    start = time.monotonic()
    iid = instance["instance_id"]
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / "run_instance.log", "w", encoding="utf-8")
    patch = prediction.get("model_patch") or ""
    result = InstanceResult(iid, "unresolved", test_edits=find_test_edits(patch) if patch else [])
    try:
        (log_dir / "patch.diff").write_text(patch, encoding="utf-8")
        if result.test_edits:
            log.write(f"prediction edits tests or test configuration: {result.test_edits}\n")
            if reject_test_edits:
                return reject(result, log_dir)
        work = session.workdir
        if patch:
            from swebench.harness.constants import APPLY_PATCH_FAIL, APPLY_PATCH_PASS

            session.write_file(PATCH_FILE, patch)
            patch_path = shlex.quote(work + "/" + PATCH_FILE)
            applied = False
            for i, cmd in enumerate(apply_commands()):
                if i:
                    _sh(session, f"cd {testbed} && git checkout -- . && git clean -fdq -e {PATCH_FILE}", 120)
                r = _sh(session, f"cd {testbed} && {cmd} {patch_path}", 300)
                log.write(f"$ {cmd}\n{r.stdout}{r.stderr}\n")
                if r.exit_code == 0:
                    applied = True
                    break
            if not applied:
                # The official check: the chain can leave the patch applied (or the tree had it
                # already) while every command exited non-zero.
                check = _sh(session, f"cd {testbed} && git apply --check --reverse {patch_path}", 120)
                if check.exit_code == 0:
                    log.write(f"{APPLY_PATCH_PASS}: verified already applied\n")
                    applied = True
            if not applied:
                log.write(f"{APPLY_PATCH_FAIL}:\n{(r.stdout + r.stderr)[-2000:]}\n")
                result.status = "patch_failed"
                last = (r.stdout + r.stderr).strip().splitlines()
                result.reason = "patch did not apply" + (f": {last[-1][:200]}" if last else "")
                return result
        script = test_spec(instance).eval_script
        if testbed != "/testbed":
            script = script.replace("/testbed", testbed)
        session.write_file(EVAL_FILE, script)
        (log_dir / "eval.sh").write_text(script, encoding="utf-8")
        t0 = time.monotonic()
        env = None if network else {"PIP_NO_INDEX": "1"}
        r = session.exec(usage.eval_command(session, work + "/" + EVAL_FILE), timeout=timeout, env=env)
        result.eval_seconds = time.monotonic() - t0
        used = usage.read_usage(session)
        result.cpu_seconds, result.peak_memory_mb = used.cpu_seconds, used.peak_memory_mb
        size = usage.output_size(session)
        test_log = log_dir / "test_output.txt"
        if size is not None and size > usage.TEST_OUTPUT_LIMIT:
            test_log.write_text(usage.output_ends(session), encoding="utf-8")
            result.status = "output_too_large"
            result.reason = f"test output of {size / 2**20:.0f} MiB is over the {usage.TEST_OUTPUT_LIMIT >> 20} MiB limit"
            log.write(result.reason + "\n")
            return result
        output = usage.read_output(session, size) + r.stdout + r.stderr
        if r.timed_out:
            from swebench.harness.constants import TESTS_TIMEOUT

            test_log.write_text(output + f"\n\n{TESTS_TIMEOUT}: {timeout} seconds exceeded.", encoding="utf-8")
            result.status = "timeout"
            result.reason = f"tests timed out after {timeout:g} seconds"
            log.write(result.reason + "\n")
            return result
        test_log.write_text(output, encoding="utf-8")
        # An empty patch is graded on the unpatched tree (the official harness skips it): that is
        # how ``--empty`` validates that the tests really fail without a fix.
        prediction = {**prediction, "model_patch": patch}
        result.report = grade(instance, prediction, test_log)
        atomic_write_text(log_dir / "report.json", json.dumps(result.report, indent=4))
        result.status = "resolved" if result.report[iid]["resolved"] else "unresolved"
        return result
    except InfraError:
        raise
    except OSError as e:
        raise InfraError(f"{type(e).__name__}: {e}") from e
    finally:
        result.total_seconds = time.monotonic() - start
        log.write(f"status: {result.status} ({result.total_seconds:.1f}s, eval {result.eval_seconds:.1f}s)\n")
        log.close()


def _sh(session, command: str, timeout: float):
    return session.exec(["bash", "-c", command], timeout=timeout)


GAUNTLET_PARSER = "gauntlet"
_SWE_STATUS = {"passed": "PASSED", "failed": "FAILED", "error": "ERROR", "skipped": "SKIPPED"}


def run_native_instance(
    session,
    instance: dict[str, Any],
    prediction: dict[str, Any],
    log_dir: Path,
    pm,
    reject_test_edits: bool = False,
    timeout: float | None = None,
) -> InstanceResult:
    """Instances with ``log_parser == "gauntlet"`` (generated tasks): the language plugin builds and
    runs the FAIL_TO_PASS + PASS_TO_PASS tests, and swebench's own ``get_eval_tests_report`` and
    ``get_resolution_status`` grade its per-test statuses.  The session must have been opened with
    its language (``Backend.open(..., language=...)``): the hooks go to that language's plugin.
    ``timeout`` (the run's per-instance eval timeout) bounds each build and test command: the
    plugins run them with the session's default timeout, which is the environment's far longer one.
    """
    if timeout is not None:
        session.limits = replace(session.limits, timeout=timeout)
    from swebench.harness.constants import EvalType, ResolvedStatus
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status

    start = time.monotonic()
    iid = instance["instance_id"]
    log_dir.mkdir(parents=True, exist_ok=True)
    patch = prediction.get("model_patch") or ""
    result = InstanceResult(iid, "unresolved", test_edits=find_test_edits(patch) if patch else [])
    entry = {"patch_is_None": False, "patch_exists": bool(patch), "patch_successfully_applied": False,
             "resolved": False, "infra_failure": False}
    (log_dir / "patch.diff").write_text(patch, encoding="utf-8")
    with open(log_dir / "run_instance.log", "w", encoding="utf-8") as log:
        if result.test_edits:
            log.write(f"prediction edits tests or test configuration: {result.test_edits}\n")
            if reject_test_edits:
                return reject(result, log_dir)
        for label, diff in (("test_patch", instance.get("test_patch") or ""), ("model_patch", patch)):
            if diff:
                applied = session.apply_patch(diff)
                log.write(f"{label}: {'applied' if applied.applied else applied.message}\n")
                if not applied.applied:  # an error of the summary, as in run_instance
                    result.status = "patch_failed"
                    result.reason = f"{label} did not apply: {applied.message.strip()[:200]}"
                    return result
        entry["patch_successfully_applied"] = True
        t0 = time.monotonic()
        hooks = pm.for_language(session.language)
        build = hooks.gauntlet_build(session=session)
        status_map: dict[str, str] = {}
        output = build.log if build is not None else ""
        if build is None or build.ok:
            selection = list(instance["FAIL_TO_PASS"]) + list(instance["PASS_TO_PASS"])
            tests = hooks.gauntlet_test(session=session, selection=selection, fail_fast=False)
            if tests is None:
                raise InfraError(f"no plugin ran the tests of {iid} (language {session.language!r})")
            status_map = {tid: _SWE_STATUS[r.status.value] for tid, r in tests.tests.items()}
            output += tests.log
            if tests.error:
                log.write(f"test runner: {tests.error}\n")
        else:
            log.write("build failed:\n" + "\n".join(str(d) for d in build.errors[:20]) + "\n")
        result.eval_seconds = time.monotonic() - t0
        (log_dir / "test_output.txt").write_text(output + "\n" + json.dumps(status_map, indent=1), encoding="utf-8")
        gold = {"FAIL_TO_PASS": list(instance["FAIL_TO_PASS"]), "PASS_TO_PASS": list(instance["PASS_TO_PASS"])}
        report = get_eval_tests_report(status_map, gold, eval_type=EvalType(instance.get("eval_type") or "pass_and_fail"))
        entry["resolved"] = get_resolution_status(report) == ResolvedStatus.FULL.value
        entry["tests_status"] = report
        result.report = {iid: entry}
        atomic_write_text(log_dir / "report.json", json.dumps(result.report, indent=4))
        result.status = "resolved" if entry["resolved"] else "unresolved"
        result.total_seconds = time.monotonic() - start
        log.write(f"status: {result.status} ({result.total_seconds:.1f}s)\n")
    return result
