"""What happened when code ran: build, tests, lint, and the Outcome that ties them together.

Plain dataclasses that round-trip through JSON (``to_dict`` / ``from_dict``), because outcomes are
written to result records, sent over HTTP to reward clients and read back by leaderboards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """Per-test status, the four that SWE-bench's graders and our reward table distinguish."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass
class Diagnostic:
    """One compiler, type-checker or linter message."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: str = "error"  # "error" | "warning" | "info"
    code: str | None = None  # E0308, TS2322, F401, ...

    def __str__(self) -> str:
        where = self.file or "?"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        code = f" [{self.code}]" if self.code else ""
        return f"{where}: {self.severity}{code}: {self.message}"


@dataclass
class BuildResult:
    """Did the code compile / type-check / parse?  ``ok`` is the verdict; diagnostics say why not."""

    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""
    duration: float = 0.0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    status: Status
    duration: float | None = None
    message: str | None = None  # failure / error text, short


@dataclass
class TestReport:
    """Per-test outcomes keyed by test id, in the id style of the language's runner.

    ``log`` keeps the raw runner output (truncated by the sandbox's output limit, never unbounded).
    ``error`` is set when the runner itself could not run (collection crash, timeout, missing tool).
    """

    tests: dict[str, TestResult] = field(default_factory=dict)
    log: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    duration: float = 0.0
    error: str | None = None

    __test__ = False  # not a pytest test class

    def ids(self, status: Status) -> list[str]:
        return sorted(t for t, r in self.tests.items() if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.tests.values():
            out[r.status.value] += 1
        return out

    @property
    def passed(self) -> bool:
        """True when at least one test ran and none failed or errored, and the runner finished."""
        c = self.counts
        return (
            self.error is None
            and not self.timed_out
            and c["passed"] > 0
            and c["failed"] == 0
            and c["error"] == 0
        )


@dataclass
class LintReport:
    """Linter diagnostics.  ``clean`` means no warnings and no errors."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    tool: str = ""
    log: str = ""
    error: str | None = None  # the linter could not run

    @property
    def clean(self) -> bool:
        return self.error is None and not self.diagnostics


@dataclass
class Outcome:
    """Everything one evaluation observed.  Rewards and scores are functions of this.

    ``infra_error`` marks failures of the harness or its sandbox (not the model's fault): such an
    outcome gets no reward and counts apart from model failures.
    """

    language: str | None = None
    backend: str = "local"
    workspace: str | None = None
    patch_applied: bool | None = None  # None: no patch given
    patch_error: str | None = None
    build: BuildResult | None = None
    tests: TestReport | None = None
    lint: LintReport | None = None
    format_error: str | None = None  # the completion was not a valid tool call / had no code
    infra_error: str | None = None
    duration: float = 0.0
    protections: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Outcome":
        data = dict(data)
        if data.get("build") is not None:
            b = dict(data["build"])
            b["diagnostics"] = [Diagnostic(**d) for d in b.get("diagnostics", [])]
            data["build"] = BuildResult(**b)
        if data.get("tests") is not None:
            t = dict(data["tests"])
            t["tests"] = {
                k: TestResult(**{**v, "status": Status(v["status"])}) for k, v in t.get("tests", {}).items()
            }
            data["tests"] = TestReport(**t)
        if data.get("lint") is not None:
            lint = dict(data["lint"])
            lint["diagnostics"] = [Diagnostic(**d) for d in lint.get("diagnostics", [])]
            data["lint"] = LintReport(**lint)
        return cls(**data)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
