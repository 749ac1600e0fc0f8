"""The names SWE-bench's log parsers give the tests of one of our reports (same run, same log).

Our ids are ``file > describe > test`` for every runner.  SWE-bench reads the verbose text:
``parse_log_vitest`` sees vitest's ``✓ file > describe > test`` lines, so its names are our ids;
``parse_log_jest`` sees jest's indented ``✓ test`` lines, so its names are the bare titles, and
skipped tests read ``skipped <title>`` (jest prints ``○ skipped <title>``).
"""

from __future__ import annotations

from gauntlet_typescript.testnames import SEP
from harness.outcome import Status, TestReport


def swebench_name(test_id: str, runner: str, status: Status) -> str:
    if runner == "jest":
        title = test_id.split(SEP)[-1]
        return f"skipped {title}" if status == Status.SKIPPED else title
    return test_id


def swebench_view(report: TestReport, runner: str) -> dict[str, str]:
    """Our report as SWE-bench would name and grade it: name -> PASSED / FAILED / SKIPPED."""
    grade = {Status.PASSED: "PASSED", Status.FAILED: "FAILED", Status.SKIPPED: "SKIPPED", Status.ERROR: "FAILED"}
    return {swebench_name(t, runner, r.status): grade[r.status] for t, r in report.tests.items()}
