"""Evaluate one prediction on one instance inside an open sandbox session, as the official harness does.

Steps (the official ``run_instance``'s, in our sandbox): write the patch, apply it with swebench's
chain of apply commands (each retry from a clean tree), run the instance's eval script with stdout
and stderr merged (the markers come from ``set -x`` on stderr, the test output on stdout), write
``test_output.txt``, grade with swebench's ``get_eval_report`` and write ``report.json``.
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


@dataclass
class InstanceResult:
    instance_id: str
    status: str  # "resolved" | "unresolved" | "patch_failed" | "rejected" | "error"
    report: dict[str, Any] | None = None
    test_edits: list[str] = field(default_factory=list)
    error: str | None = None
    eval_seconds: float = 0.0
    total_seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "resolved": self.status == "resolved",
            "test_edits": self.test_edits,
            "error": self.error,
            "eval_seconds": round(self.eval_seconds, 3),
            "total_seconds": round(self.total_seconds, 3),
            "report": self.report,
        }


def apply_commands() -> list[str]:
    from swebench.harness.run_evaluation import GIT_APPLY_CMDS

    return list(GIT_APPLY_CMDS)


def run_instance(
    session,
    testbed: str,
    instance: dict[str, Any],
    prediction: dict[str, Any],
    log_dir: Path,
    timeout: float,
    reject_test_edits: bool = False,
) -> InstanceResult:
    """Patch, run the eval script and grade; raises ``InfraError`` for harness failures only."""
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
                result.status = "rejected"
                return result
        work = session.workdir
        if patch:
            session.write_file(PATCH_FILE, patch)
            applied = False
            for i, cmd in enumerate(apply_commands()):
                if i:
                    _sh(session, f"cd {testbed} && git checkout -- . && git clean -fdq -e {PATCH_FILE}", 120)
                r = _sh(session, f"cd {testbed} && {cmd} {shlex.quote(work + '/' + PATCH_FILE)}", 300)
                log.write(f"$ {cmd}\n{r.stdout}{r.stderr}\n")
                if r.exit_code == 0:
                    applied = True
                    break
            if not applied:
                from swebench.harness.constants import APPLY_PATCH_FAIL

                log.write(f"{APPLY_PATCH_FAIL}\n")
                result.status = "patch_failed"
                result.report = {iid: {
                    "patch_is_None": False, "patch_exists": True, "patch_successfully_applied": False,
                    "resolved": False, "infra_failure": False,
                }}
                atomic_write_text(log_dir / "report.json", json.dumps(result.report, indent=4))
                return result
        script = test_spec(instance).eval_script
        if testbed != "/testbed":
            script = script.replace("/testbed", testbed)
        session.write_file(EVAL_FILE, script)
        (log_dir / "eval.sh").write_text(script, encoding="utf-8")
        t0 = time.monotonic()
        r = session.exec(["bash", "-c", f"bash {shlex.quote(work + '/' + EVAL_FILE)} 2>&1"], timeout=timeout)
        result.eval_seconds = time.monotonic() - t0
        output = r.stdout + r.stderr
        if r.timed_out:
            from swebench.harness.constants import TESTS_TIMEOUT

            output += f"\n\n{TESTS_TIMEOUT}: {timeout} seconds exceeded.\n"
        test_log = log_dir / "test_output.txt"
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
                result.status = "rejected"
                return result
        for label, diff in (("test_patch", instance.get("test_patch") or ""), ("model_patch", patch)):
            if diff:
                applied = session.apply_patch(diff)
                log.write(f"{label}: {'applied' if applied.applied else applied.message}\n")
                if not applied.applied:
                    result.status = "patch_failed"
                    result.report = {iid: entry}
                    atomic_write_text(log_dir / "report.json", json.dumps(result.report, indent=4))
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
