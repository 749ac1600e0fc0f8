"""pytest's JUnit XML -> per-test results keyed by pytest node id.

We read JUnit XML (pytest's built-in machine-readable report; pytest-reportlog is a separate
install) rather than the console output.  pytest writes ``classname`` as the node id with its file
part dotted (``tests/test_x.py::TestA::test_y`` -> ``tests.test_x.TestA`` + ``test_y``), and with
``junit_family=xunit1`` it adds a ``file`` attribute.  ``file`` is where the test function is
*defined*, which for a test inherited from a base class in another module is not the test's own
module, so the id is rebuilt from ``classname`` and ``file`` only serves to find where the module
part of ``classname`` ends.  Ids come out exactly as pytest prints them, SWE-bench style
(``tests/test_x.py::TestClass::test_y[a-b]``).

Statuses: ``<failure>`` -> failed (xpass of a strict xfail included), ``<error>`` -> error (fixture
errors, teardown errors, collection errors), ``<skipped>`` -> skipped (xfail included: the test was
expected to fail and did, which proves nothing either way), no child -> passed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Callable

from harness.outcome import Status, TestResult

MESSAGE_CHARS = 500
# Failed and errored are equally bad: the first one seen (the call phase's) keeps its message.
_RANK = {Status.PASSED: 0, Status.SKIPPED: 1, Status.FAILED: 2, Status.ERROR: 2}


def dotted(file: str) -> str:
    """pytest's own mangling of a node id's file part into ``classname`` (``a/b.py`` -> ``a.b``)."""
    return re.sub(r"\.py$", "", file).replace("/", ".")


class _Ids:
    """Rebuilds node ids; remembers which dotted module belongs to which file across test cases."""

    def __init__(self, exists: Callable[[str], bool] | None):
        self.modules: dict[str, str] = {}  # dotted module -> file
        self.exists = exists

    def learn(self, root: ET.Element) -> None:
        for case in root.iter("testcase"):
            file, classname = case.get("file"), case.get("classname") or ""
            if file and _within(classname, dotted(file)):
                self.modules[dotted(file)] = file

    def file_of(self, classname: str) -> tuple[str, str] | None:
        """(file, rest of classname) for a classname whose ``file`` attribute does not match."""
        parts = classname.split(".")
        for k in range(len(parts), 0, -1):  # longest module first
            module = ".".join(parts[:k])
            if module in self.modules:
                return self.modules[module], ".".join(parts[k:])
        if self.exists is not None:
            for k in range(len(parts), 0, -1):
                path = "/".join(parts[:k]) + ".py"
                if self.exists(path):
                    self.modules[".".join(parts[:k])] = path
                    return path, ".".join(parts[k:])
        # Last resort: classes are what start with a capital letter (pytest's default "Test*").
        k = next((i for i, p in enumerate(parts) if i and p[:1].isupper()), len(parts))
        return "/".join(parts[:k]) + ".py", ".".join(parts[k:])

    def node_id(self, case: ET.Element) -> str:
        name, classname, file = case.get("name", ""), case.get("classname") or "", case.get("file")
        if not classname:  # a collection error: the id is the module's path
            return file or name.replace(".", "/") + ".py"
        if file and _within(classname, dotted(file)):
            module_file, rest = file, classname[len(dotted(file)) + 1:]
        else:
            module_file, rest = self.file_of(classname)
        return "::".join([module_file, *(p for p in rest.split(".") if p), name])


def _within(classname: str, module: str) -> bool:
    return classname == module or classname.startswith(module + ".")


def parse(xml: bytes | str, exists: Callable[[str], bool] | None = None) -> dict[str, TestResult]:
    """Per-test results from a JUnit XML report.

    :param exists: tells whether a workspace-relative file exists; used only for the rare case
        where no ``file`` attribute names a test's module (inherited tests, xunit2 reports).
    :raises xml.etree.ElementTree.ParseError: for a truncated or malformed report.
    """
    root = ET.fromstring(xml)
    ids = _Ids(exists)
    ids.learn(root)
    out: dict[str, TestResult] = {}
    for case in root.iter("testcase"):
        status, message = Status.PASSED, None
        for child in case:
            found = {"failure": Status.FAILED, "error": Status.ERROR, "skipped": Status.SKIPPED}.get(child.tag)
            if found is not None and _RANK[found] > _RANK[status]:
                status, message = found, child.get("message") or child.text or ""
        tid = ids.node_id(case)
        # A test that fails and then errors in teardown appears twice: keep the worse verdict.
        if tid in out and _RANK[out[tid].status] >= _RANK[status]:
            continue
        out[tid] = TestResult(status, _seconds(case.get("time")), (message or "")[:MESSAGE_CHARS] or None)
    return out


def _seconds(value: str | None) -> float:
    """A testcase's ``time``; a value pytest would not write (``0,5``, ``nan``) counts as unknown (0)."""
    try:
        t = float(value or 0)
    except ValueError:
        return 0.0
    return t if 0 <= t < float("inf") else 0.0
