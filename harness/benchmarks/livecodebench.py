"""LiveCodeBench code generation: problems with LiveCodeBench's field names, loaded from a Hugging
Face dataset name or local .json/.jsonl files, filtered by contest date, graded on the executor
with lcb_runner's semantics (see ``lcb_checker``), pass@k with the unbiased estimator.

Samples use lcb_runner's format: a JSON list (or JSON Lines) of ``{"question_id", "code_list"}``.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from harness.benchmarks.passk import mean_pass_at_k
from harness.errors import UsageError

DEFAULT_KS = (1, 5)
FIELDS = ("question_title", "question_content", "platform", "question_id", "contest_id", "contest_date", "starter_code",
          "difficulty", "public_test_cases", "private_test_cases", "metadata")


class LCBError(UsageError, ValueError):
    """Bad input (unreadable dataset or samples, bad date): a usage error."""


@dataclass
class Test:
    input: str
    output: str
    testtype: str  # "stdin" or "functional"


@dataclass
class Problem:
    question_id: str
    question_title: str = ""
    question_content: str = ""
    platform: str = ""
    contest_id: str = ""
    contest_date: datetime | None = None
    starter_code: str = ""
    difficulty: str = ""
    public_test_cases: list[Test] = field(default_factory=list)
    private_test_cases: list[Test] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def fn_name(self) -> str | None:
        return self.metadata.get("func_name")

    @property
    def tests(self) -> list[Test]:
        """Public tests first, then private ones (lcb_runner's order)."""
        return self.public_test_cases + self.private_test_cases

    @classmethod
    def from_row(cls, row: dict) -> "Problem":
        if not isinstance(row, dict):
            raise LCBError(f"a problem must be a JSON object, not {type(row).__name__}")
        try:
            meta = row.get("metadata") or {}
            return cls(
                question_id=str(row["question_id"]),
                question_title=row.get("question_title", ""),
                question_content=row.get("question_content", ""),
                platform=row.get("platform", ""),
                contest_id=str(row.get("contest_id", "")),
                contest_date=_date(row.get("contest_date")),
                starter_code=row.get("starter_code", "") or "",
                difficulty=row.get("difficulty", ""),
                public_test_cases=_tests(row.get("public_test_cases") or "[]"),
                private_test_cases=_tests(decode_private_tests(row.get("private_test_cases") or "[]")),
                metadata=_mapping(json.loads(meta) if isinstance(meta, str) else meta),
            )
        except (KeyError, ValueError, TypeError) as e:
            raise LCBError(f"problem {row.get('question_id', '?')}: not a LiveCodeBench row ({e})") from e


def _date(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(tzinfo=None)


def _tests(value) -> list[Test]:
    rows = json.loads(value) if isinstance(value, str) else value
    if not isinstance(rows, list) or not all(isinstance(t, dict) for t in rows):
        raise ValueError("test cases must be a list of objects")
    return [Test(str(t["input"]), str(t["output"]), str(t.get("testtype", "stdin"))) for t in rows]


def _mapping(value) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"metadata must be an object, not {type(value).__name__}")
    return dict(value)


class _TextOnly(pickle.Unpickler):
    """The private tests are a pickled str; refuse anything that would import code."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset")


def decode_private_tests(value):
    """Private tests are plain JSON, or JSON pickled, zlib-compressed and base64-encoded."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        raw = zlib.decompress(base64.b64decode(value.encode("utf-8")))
        inner = _TextOnly(io.BytesIO(raw)).load()
    except Exception as e:  # noqa: BLE001 - corrupt base64 / zlib / pickle data raises many kinds
        raise ValueError(f"private test cases are neither JSON nor LiveCodeBench's encoding ({type(e).__name__}: {e})") from e
    return json.loads(inner) if isinstance(inner, (str, bytes)) else inner


def encode_private_tests(tests: list[dict]) -> str:
    """The inverse of ``decode_private_tests`` (for writing test data in LiveCodeBench's format)."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def load_problems(source: str, split: str = "test", release: str | None = None) -> list[Problem]:
    """From a local .json (list) / .jsonl file or a folder of them, else a Hugging Face dataset name."""
    p = Path(source)
    if p.exists():
        files = sorted(f for f in p.iterdir() if f.suffix in (".json", ".jsonl")) if p.is_dir() else [p]
        rows: list[dict] = []
        for f in files:
            rows += _read_rows(f)
        return [Problem.from_row(r) for r in rows]
    try:
        import datasets
    except ImportError as e:
        raise LCBError(f"{source} is not a file, and the `datasets` package is not installed to fetch it") from e
    kwargs = {"version_tag": release} if release else {}
    try:
        ds = datasets.load_dataset(source, split=split, **kwargs)
    except Exception as e:  # noqa: BLE001 - datasets raises many kinds; all mean "cannot load"
        raise LCBError(f"cannot load dataset {source!r}: {e}") from e
    return [Problem.from_row(dict(r)) for r in ds]


def _read_rows(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except ValueError as e:  # UnicodeDecodeError included
        raise LCBError(f"{path}: not JSON ({e})") from e
    rows = data.get("problems", []) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise LCBError(f"{path}: expected a JSON list (or {{\"problems\": [...]}}), not {type(rows).__name__}")
    return rows


def parse_day(value: str | None, flag: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError as e:
        raise LCBError(f"{flag} must be YYYY-MM-DD, got {value!r}") from e


def in_window(problems: Iterable[Problem], start: datetime | None = None, end: datetime | None = None) -> list[Problem]:
    """Problems whose contest_date is within [start, end] (lcb_runner's contamination windows)."""
    out = []
    for p in problems:
        if (start or end) and p.contest_date is None:
            continue
        if start and p.contest_date < start:
            continue
        if end and p.contest_date > end:
            continue
        out.append(p)
    return out


def read_samples(path: str | Path) -> dict[str, list[str]]:
    """``question_id -> code_list`` from lcb_runner's output format (JSON list) or JSON Lines."""
    p = Path(path)
    if not p.is_file():
        raise LCBError(f"samples file not found: {p}")
    rows = _read_rows(p)
    out: dict[str, list[str]] = {}
    for r in rows:
        try:
            if not isinstance(r, dict):
                raise TypeError(f"a sample must be an object, not {type(r).__name__}")
            codes = r["code_list"] if "code_list" in r else [r["code"]]
            if not isinstance(codes, list):
                raise TypeError("code_list must be a list")
            out.setdefault(str(r["question_id"]), []).extend(str(c) for c in codes)
        except (KeyError, TypeError) as e:
            raise LCBError(f"{p}: a sample needs question_id and code_list ({e})") from e
    return out


def grade_problem(executor, problem: Problem, codes: list[str], timeout: float = 6.0, checker: str = "lcb") -> dict:
    """One record per problem: lcb_runner's graded_list plus each code's verdict and failing test."""
    tests = problem.tests
    inputs, outputs = [t.input for t in tests], [t.output for t in tests]
    fn = problem.fn_name if any(t.testtype == "functional" for t in tests) else None
    per_code = []
    for i, code in enumerate(codes):
        r = executor.run_tests(code, inputs, outputs, fn_name=fn, timeout=timeout, checker=checker)
        entry = {"code_index": i, "passed": r["passed"], "verdict": r["verdict"], "results": r.get("results", [])}
        for key in ("error_code", "error_message", "error", "failed_test", "input", "expected", "output", "limit"):
            if key in r:
                entry[key] = r[key]
        per_code.append(entry)
    graded = [c["passed"] for c in per_code]
    return {
        "benchmark": "livecodebench", "question_id": problem.question_id, "platform": problem.platform,
        "difficulty": problem.difficulty, "contest_date": problem.contest_date.isoformat() if problem.contest_date else None,
        "n": len(graded), "correct": sum(graded), "graded_list": graded,
        "pass@1": sum(graded) / len(graded) if graded else 0.0, "codes": per_code,
    }


def summarize(records: list[dict], ks: Iterable[int] = DEFAULT_KS) -> dict:
    ks = list(ks)
    summary = {"benchmark": "livecodebench", "problems": len(records), "samples": sum(r["n"] for r in records),
               **mean_pass_at_k([(r["n"], r["correct"]) for r in records], ks)}
    by_diff: dict[str, list[dict]] = {}
    for r in records:
        by_diff.setdefault(r.get("difficulty") or "unknown", []).append(r)
    summary["by_difficulty"] = {d: {"problems": len(rs), **mean_pass_at_k([(r["n"], r["correct"]) for r in rs], ks)}
                                for d, rs in sorted(by_diff.items())}
    return summary


def grade_job(problem: Problem, codes: list[str], timeout: float = 6.0, checker: str = "lcb",
              backend: str = "local") -> dict:
    """``grade_problem`` as a self-contained job (``--runner ray``): on the node's warm executor of
    ``backend`` (the jail, or a container with ``--backend docker``)."""
    from harness.jobs.node import solution_executor

    return grade_problem(solution_executor("full", backend), problem, codes, timeout, checker)
