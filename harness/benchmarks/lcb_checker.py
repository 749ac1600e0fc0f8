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
  use lcb's codes: True passed, -2 wrong answer, -3 time limit, -4 runtime error (compile errors
  are -4 too), -1 for tests never reached because the whole run was killed.

``compare_stdio_legacy`` is the older checker that published numbers also used: blank lines are
dropped and a line-per-number output may differ by floating-point tolerance (numpy.allclose's
rtol=1e-5, atol=1e-8).

This module is imported by the executor worker too, so it uses only the standard library.
"""

from __future__ import annotations

import ast
import json
from decimal import Decimal, InvalidOperation

# The names lcb_runner makes available to every solution without an import (and its recursion limit).
PREAMBLE_MODULES = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                    "statistics", "itertools", "functools", "operator", "io", "sys", "json")


def _preamble() -> str:
    """Star-imports in lcb's order (string .. io, sys, json, builtins, typing), then plain imports."""
    star = ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
            "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"]
    lines = [f"from {m} import *" for m in star] + [f"import {m}" for m in PREAMBLE_MODULES]
    return "\n".join(lines) + "\nsys.setrecursionlimit(50000)\n"


PREAMBLE = _preamble()
ENTRY = "wrapped_function"


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


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except (TypeError, ValueError):
        return False


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)


def compare_stdio_legacy(actual: str, expected: str) -> tuple[bool, str]:
    """The older, float-tolerant check: stripped text equal, or non-blank stripped lines equal, or every
    line one number and the numbers equal within numpy.allclose's tolerance (unless all are integers)."""
    if actual.strip() == expected.strip():
        return True, ""
    lines = actual.splitlines()
    if "\n".join(x.strip() for x in lines).strip() == expected.strip():
        return True, ""
    want = [x.strip() for x in expected.split("\n") if x]
    if lines == want:
        return True, ""
    got = [x for x in lines if x]
    if got == want:
        return True, ""
    if not all(_is_int(a) and _is_int(b) for a, b in zip(got, want, strict=False)):
        try:
            gf, wf = [float(x) for x in got], [float(x) for x in want]
            if len(gf) == len(wf) and all(_close(a, b) for a, b in zip(gf, wf, strict=True)):
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
    """The older functional check also accepted a one-element expected list and tuples inside the result."""
    if isinstance(prediction, tuple):
        prediction = list(prediction)
    try:
        if prediction == expected:
            return True
        if isinstance(expected, list) and expected and prediction == expected[0]:
            return True
        if isinstance(prediction, list) and prediction and isinstance(prediction[0], tuple):
            return [list(x) for x in prediction] == (expected[0] if isinstance(expected, list) and expected else None)
    except Exception:  # noqa: BLE001
        pass
    return False



def truncate(value, length: int = 300) -> str:
    s = value if isinstance(value, str) else str(value)
    if len(s) <= length:
        return s
    return s[: length // 2] + "...(truncated) ..." + s[-length // 2:]
