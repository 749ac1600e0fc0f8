"""pytest's JUnit XML -> per-test results keyed by pytest node id.

We read JUnit XML (pytest's built-in machine-readable report) rather than the console output.
With ``junit_family=xunit1`` each testcase carries a ``file`` attribute, which turns the dotted
``classname`` back into an exact node id (``tests/test_x.py::TestClass::test_y[param]``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.outcome import Status, TestResult


def node_id(case: ET.Element) -> str:
    name = case.get("name", "")
    classname = case.get("classname", "")
    file = case.get("file")
    if not file:  # xunit2, or a collection error: best effort from the dotted path
        return f"{classname.replace('.', '/')}.py::{name}" if classname else name
    module = file[:-3].replace("/", ".") if file.endswith(".py") else file
    rest = classname[len(module):].lstrip(".") if classname.startswith(module) else ""
    return "::".join(p for p in (file, *rest.split(".")) if p) + f"::{name}"


def parse(xml: bytes) -> dict[str, TestResult]:
    root = ET.fromstring(xml)
    out: dict[str, TestResult] = {}
    for case in root.iter("testcase"):
        status, message = Status.PASSED, None
        for child in case:
            if child.tag == "failure":
                status, message = Status.FAILED, child.get("message") or (child.text or "")
            elif child.tag == "error":
                status, message = Status.ERROR, child.get("message") or (child.text or "")
            elif child.tag == "skipped":  # skip and xfail
                status, message = Status.SKIPPED, child.get("message")
        tid = node_id(case)
        # A test that fails and then errors in teardown appears twice: keep the worse verdict.
        if tid in out and out[tid].status in (Status.FAILED, Status.ERROR):
            continue
        out[tid] = TestResult(status, float(case.get("time") or 0), (message or "")[:500] or None)
    return out
