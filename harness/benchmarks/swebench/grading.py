"""Grading with swebench's own functions: the same log gives the same report as the official harness."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_spec(instance: dict[str, Any]):
    """swebench's TestSpec for an instance (its eval script records the test command's exit code)."""
    from swebench.harness.utils import make_test_spec

    return make_test_spec(instance)


def grade(instance: dict[str, Any], prediction: dict[str, Any], test_log: Path) -> dict[str, Any]:
    """The per-instance report.json content, computed by ``swebench.harness.grading.get_eval_report``."""
    from swebench.harness.grading import get_eval_report

    return get_eval_report(
        test_spec=test_spec(instance),
        prediction=prediction,
        test_log_path=str(test_log),
        include_tests_status=True,
    )
