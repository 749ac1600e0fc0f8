"""LiveCodeBench grading semantics, written for Gauntlet (no lcb_runner code is imported or vendored).

What lcb_runner's current checker does, and so what this module does:

- stdin/stdout programs: a trailing ``if __name__ == '__main__':`` block is unwrapped, the program
  body (all but its imports) becomes the body of one function, called once per test with stdin
  replaced by the test input; what it prints is compared line by line after stripping the whole
  output and each line; line counts must match; a line matches exactly or, failing that, when its
  whitespace-separated tokens parse as ``Decimal`` and the two Decimal lists are equal (exact
  decimals: 0.5 == 0.50, 1e2 == 100, but 0.3333 != 0.333333).
- functional (LeetCode) programs: a fixed preamble of star-imports is put in front; when the code
  defines ``class Solution`` the method is looked up on ``Solution()``, otherwise on the module;
  each test input holds one JSON value per line (the arguments); a returned tuple becomes a list;
  the result must ``==`` the JSON-decoded expected output.
- every test has its own timeout; grading stops at the first test that does not pass; results
  use lcb's codes: True passed, -2 wrong answer (False for a functional one), -3 time limit, -4
  runtime error (compile errors are -4 too), and [-2] for the whole code when the solution's
  process ends without a result (``os._exit``, ``sys.exit`` inside a method).

stdin during a test is what lcb_runner's mock gives (``executor_worker.LcbStdin``; the differences
from a real stdin are listed in docs/lcb-checkers.md).  The ``real-stdin`` checker grades the same
way but gives the program a real file as stdin.

The ``legacy`` functions are lcb_runner's older checker (before January 2025), which earlier
published numbers used: the program is wrapped line by line (not by the syntax tree), ``exit`` is
``None``, the recursion limit is 600000, stdin is a plain ``StringIO``, a line-per-number output may
differ by numpy.allclose's tolerance (rtol=1e-5, atol=1e-8) unless every line is digits only, and
results use its codes (-1 for a runtime error or timeout, -2 for a compile error, False for a wrong
answer).

This module is imported by the executor worker too, so it uses only the standard library.
"""

from __future__ import annotations

import ast
import json
import math
from decimal import Decimal, InvalidOperation

# The names lcb_runner makes available to every solution without an import (and its recursion limit).
PREAMBLE_MODULES = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                    "statistics", "itertools", "functools", "operator", "io", "sys", "json")


def _preamble(recursion_limit: str) -> str:
    """Star-imports in lcb's order (string .. io, sys, json, builtins, typing), then plain imports."""
    star = ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
            "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"]
    lines = [f"from {m} import *" for m in star] + [f"import {m}" for m in PREAMBLE_MODULES]
    return "\n".join(lines) + f"\nsys.setrecursionlimit({recursion_limit})\n"


PREAMBLE = _preamble("50000")
ENTRY = "wrapped_function"
LEGACY_PREAMBLE = _preamble("6*10**5")
LEGACY_ENTRY = "code"
CHECKERS = ("lcb", "real-stdin", "legacy")


def unwrap_main_guard(code: str) -> str:
    """Replace a final ``if __name__ == '__main__':`` block by its body (it would never run otherwise)."""
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If) and ast.unparse(last.test).strip() == "__name__ == '__main__'":
            return ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:  # noqa: BLE001 - unparsable code is graded as it is (it fails to compile later)
        pass
    return code


def stdio_program(code: str) -> str:
    """The module text for a stdin/stdout solution: imports at top level, the rest in ``wrapped_function``."""
    code = unwrap_main_guard(code)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    rest = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    fn = ast.FunctionDef(name=ENTRY, args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                         body=rest, decorator_list=[], lineno=-1)
    try:
        return PREAMBLE + "\n" + ast.unparse(imports) + "\n" + ast.unparse(fn)
    except Exception:  # noqa: BLE001
        return code


def functional_program(code: str) -> str:
    return PREAMBLE + "\n\n" + code


def _is_import_line(line: str) -> bool:
    return line.startswith(("from ", "import "))


def legacy_stdio_program(code: str) -> str:
    """The older wrapping, done on text lines: every line that does not start with ``from ``/``import ``
    is indented by a tab; the first such line opens ``def code():`` (after module-level ``stdin`` and
    ``stdout`` names), and import lines after it are indented too.  Lines inside multi-line strings
    are indented like any other (the program sees the tabs)."""
    out, started = [], False
    for line in unwrap_main_guard(code).split("\n"):
        if not _is_import_line(line):
            if not started:
                out.append("stdin = sys.stdin\nstdout = sys.stdout\ndef code():\n")
                started = True
            out.append("\t" + line + "\n")
        else:
            out.append(("\t" if started else "") + line + "\n")
    return LEGACY_PREAMBLE + "".join(out)


def legacy_functional_program(code: str) -> str:
    return LEGACY_PREAMBLE + code


def _int_keys(value):
    """The older checker's undoing of JSON's string keys: a dict becomes a one-element list holding
    the dict with int keys (unchanged when a key is not an int)."""
    try:
        if isinstance(value, dict):
            return [{int(k): v for k, v in value.items()}]
    except (TypeError, ValueError):
        pass
    try:
        if isinstance(value[0], dict):
            return [{int(k): v for k, v in value[0].items()}]
    except Exception:  # noqa: BLE001 - not indexable, no int keys: left as it is
        pass
    return value


def legacy_functional_args(test_input: str) -> list:
    """As ``functional_args``; when the first argument is an object with int-like keys, the call gets
    that object alone, with int keys (the older checker's rule)."""
    args = functional_args(test_input)
    try:
        if isinstance(args[0], dict):
            return [{int(k): v for k, v in args[0].items()}]
    except (TypeError, ValueError):
        pass
    return args


def functional_args(test_input: str) -> list:
    """A functional test input: one JSON value per line, the call's positional arguments."""
    return [json.loads(line) for line in test_input.split("\n")]


def stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(tok) for tok in line.split()]
    except (InvalidOperation, ValueError):
        return None


def compare_stdio(actual: str, expected: str) -> tuple[bool, str]:
    """lcb_runner's current stdout check; returns (ok, reason)."""
    got, want = stripped_lines(actual), stripped_lines(expected)
    if len(got) != len(want):
        return False, "Wrong answer: mismatched output length"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g == w:
            continue
        gd, wd = _decimals(g), _decimals(w)
        if gd is None or wd is None or gd != wd:
            return False, f"Wrong answer at output_line_idx={i}: {truncate(g)} != {truncate(w)}"
    return True, ""


def _digits(s) -> bool:
    """The older checker's "integer" test: an int, or a string of digits only (no sign, no spaces)."""
    return isinstance(s, int) or (isinstance(s, str) and s.isdigit())


def _allclose(got: list[float], want: list[float]) -> bool:
    """numpy.allclose with its defaults (an infinity is close only to itself; NaN is never close)."""
    return all(a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-8 + 1e-5 * abs(b))
               for a, b in zip(got, want, strict=True))


def compare_stdio_legacy(actual: str, expected: str) -> tuple[bool, str]:
    """The older stdout check, step by step; returns (ok, reason).

    The output is split with ``splitlines`` (every Unicode line break), the expected text on "\\n".
    It passes when: the joined lines, stripped, equal the stripped expected text (also with every
    line stripped); or the lines equal the expected's non-empty lines, stripped (also once empty
    output lines are dropped); or, unless every line pair is digits only, both sides are numbers
    line by line, as many, and close within numpy.allclose's tolerance (so 100000 and 100001 pass
    when some other line is not an integer, and so do negative integers that differ in the 16th
    digit)."""
    lines = actual.splitlines()
    want_text = expected.strip()
    if "\n".join(lines).strip() == want_text or "\n".join(x.strip() for x in lines).strip() == want_text:
        return True, ""
    if lines == [expected]:
        return True, ""
    want = [x.strip() for x in expected.split("\n") if x]
    if lines == want:
        return True, ""
    got = [x for x in lines if x]
    if got == want:
        return True, ""
    if not all(_digits(a) and _digits(b) for a, b in zip(got, want, strict=False)):
        try:
            gf, wf = [float(x) for x in got], [float(x) for x in want]
            if len(gf) == len(wf) and _allclose(gf, wf):
                return True, ""
        except ValueError:
            pass
    return False, "Wrong Answer"


def compare_functional(prediction, expected) -> bool:
    if isinstance(prediction, tuple):
        prediction = list(prediction)
    try:
        return bool(prediction == expected)
    except Exception:  # noqa: BLE001
        return False


def compare_functional_legacy(prediction, expected) -> bool:
    """The older functional check: ``expected`` is the JSON-decoded output after ``_int_keys``; a
    returned tuple becomes a list; also accepted: the result equal to the expected list's first
    element, and a sequence of tuples equal, as lists, to that first element."""
    expected = _int_keys(expected)
    if isinstance(prediction, tuple):
        prediction = list(prediction)
    ok = False
    try:
        ok = prediction == expected
        if isinstance(expected, list) and expected:
            ok = ok or prediction == expected[0]
    except Exception:  # noqa: BLE001 - a result whose == raises is a wrong answer
        return False
    try:
        if isinstance(prediction[0], tuple):
            ok = ok or [list(x) for x in prediction] == expected[0]
    except Exception:  # noqa: BLE001 - not indexable, empty, not comparable: the check does not apply
        pass
    return ok is True


def truncate(value, length: int = 300) -> str:
    s = value if isinstance(value, str) else str(value)
    if len(s) <= length:
        return s
    return s[: length // 2] + "...(truncated) ..." + s[-length // 2:]
