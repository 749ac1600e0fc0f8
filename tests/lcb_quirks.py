"""A generated set of LiveCodeBench-format problems and programs that exercise every way a program
can read stdin, end early, recurse deeply or print numbers, to compare Gauntlet's checkers with
lcb_runner's own grader (bench/lcb_verdict_equality.py) and to pin each quirk in a named test
(tests/test_benchmarks_lcb.py).

``problem_set()`` returns ``(problems, samples)``: rows in LiveCodeBench's dataset format (private
tests encoded as the dataset encodes them) and ``{"question_id", "code_list"}`` samples, with
``CODE_NAMES[question_id][i]`` naming what code ``i`` does.
"""

from __future__ import annotations

import decimal
import json
import textwrap
from pathlib import Path

from harness.benchmarks.livecodebench import encode_private_tests

# -- stdin/stdout: one problem family, many ways of reading ------------------------------------
# Input: n, then n lines of integers.  Each reader leaves the raw lines in `lines`.
READERS = {
    "input_until_eof": """
        lines = []
        while True:
            try:
                lines.append(input())
            except EOFError:
                break
    """,
    "for_line_in_sys_stdin": """
        import sys
        lines = [line for line in sys.stdin]
    """,
    "list_sys_stdin": """
        import sys
        lines = list(sys.stdin)
    """,
    "next_sys_stdin": """
        import sys
        first = next(sys.stdin)
        lines = [first] + [input() for _ in range(int(first))]
    """,
    "stdin_read_split_newline": """
        import sys
        lines = sys.stdin.read().split("\\n")
    """,
    "stdin_read_splitlines": """
        import sys
        lines = sys.stdin.read().splitlines()
    """,
    "stdin_read_twice": """
        import sys
        head = sys.stdin.read()
        tail = sys.stdin.read()
        lines = (head + tail).split("\\n")
    """,
    "stdin_buffer_read": """
        import sys
        lines = sys.stdin.buffer.read().decode().split("\\n")
    """,
    "stdin_buffer_readline_n": """
        import sys
        input = sys.stdin.buffer.readline
        n = int(input())
        lines = [str(n)] + [input().decode() for _ in range(n)]
    """,
    "readline_until_empty": """
        import sys
        lines = []
        while True:
            line = sys.stdin.readline()
            if not line:
                break
            lines.append(line)
    """,
    "readline_alias_n": """
        import sys
        input = sys.stdin.readline
        n = int(input())
        lines = [str(n)] + [input() for _ in range(n)]
    """,
    "iter_readline_sentinel": """
        import sys
        lines = list(iter(sys.stdin.readline, ""))
    """,
    "readlines": """
        import sys
        lines = sys.stdin.readlines()
    """,
    "input_n_lines": """
        n = int(input())
        lines = [str(n)] + [input() for _ in range(n)]
    """,
    "from_sys_import_stdin_iterate": """
        from sys import stdin
        lines = [line for line in stdin]
    """,
    "from_sys_import_stdin_readline_until_empty": """
        from sys import stdin
        lines = []
        while True:
            line = stdin.readline()
            if not line:
                break
            lines.append(line)
    """,
    "from_sys_import_stdin_readline_n": """
        from sys import stdin
        input = stdin.readline
        n = int(input())
        lines = [str(n)] + [input() for _ in range(n)]
    """,
    "from_sys_import_stdin_read": """
        from sys import stdin
        lines = stdin.read().split("\\n")
    """,
    "open_0": """
        lines = open(0).read().split("\\n")
    """,
    "os_read_fd_0": """
        import os
        lines = os.read(0, 1 << 24).decode().split("\\n")
    """,
    "io_open_fileno": """
        import io
        import sys
        lines = io.open(sys.stdin.fileno()).read().split("\\n")
    """,
}

ROWS = "rows = [line.split() for line in lines if line.strip()]\nrows = rows[1:1 + int(rows[0][0])]\n"
TASKS = {  # what the program prints from `rows` (lists of int strings), and the expected output
    "sum": ("print(sum(int(x) for r in rows for x in r))", lambda rows: f"{sum(sum(r) for r in rows)}\n"),
    "row_max": ("for r in rows:\n    print(max(int(x) for x in r))", lambda rows: "".join(f"{max(r)}\n" for r in rows)),
    "parity": ("print(*['EVEN' if sum(map(int, r)) % 2 == 0 else 'ODD' for r in rows])",
               lambda rows: " ".join("EVEN" if sum(r) % 2 == 0 else "ODD" for r in rows) + "\n"),
    "mean": ("print(f'{sum(int(x) for r in rows for x in r) / sum(len(r) for r in rows):.6f}')",
             lambda rows: f"{sum(sum(r) for r in rows) / sum(len(r) for r in rows):.10f}\n"),
}
# Inputs: with a final newline, without one (the end-of-input cases), with a trailing blank line.
ROW_INPUTS = [[[1, 2], [3, 4, 5], [6]], [[10, -3], [7]], [[5, 5, 5, 4]], [[2, 9, 4]]]
TEXT_INPUTS = ["3\n1 2\n3 4 5\n6\n", "2\n10 -3\n7", "1\n5 5 5 4\n\n", "1\n2 9 4"]


def _program(*parts: str) -> str:
    return "\n".join(textwrap.dedent(p).strip("\n") for p in parts) + "\n"


def _row(qid: str, tests: list[tuple[str, str]], fn_name: str | None = None, public: int = 2) -> dict:
    testtype = "functional" if fn_name else "stdin"
    cases = [{"input": i, "output": o, "testtype": testtype} for i, o in tests]
    return {
        "question_id": qid, "question_title": qid, "question_content": "", "platform": "leetcode" if fn_name else "atcoder",
        "contest_id": "quirks", "contest_date": "2025-01-01T00:00:00", "difficulty": "easy",
        "starter_code": "", "public_test_cases": json.dumps(cases[:public]),
        "private_test_cases": encode_private_tests(cases[public:]),
        "metadata": json.dumps({"func_name": fn_name} if fn_name else {}),
    }


def _power_of_two(n: int) -> str:
    """2**n in decimal without str(int), which refuses over 4300 digits by default."""
    with decimal.localcontext() as ctx:
        ctx.prec = n // 3 + 10
        return str(decimal.Decimal(2) ** n)


# -- stdin/stdout problems for single quirks: (question_id, tests, {name: code}) ----------------
QUIRKS_STDIO = [
    ("exit_after_answer", [("4\n", "8\n"), ("0", "0\n"), ("21\n", "42\n")], {
        "exit": "n = int(input())\nprint(2 * n)\nexit()\nprint('never')\n",
        "exit_in_function": "def main():\n    n = int(input())\n    print(2 * n)\n    exit(0)\nmain()\n",
        "quit": "n = int(input())\nprint(2 * n)\nquit()\n",
        "sys_exit": "import sys\nn = int(input())\nprint(2 * n)\nsys.exit(0)\n",
        "raise_system_exit": "n = int(input())\nprint(2 * n)\nraise SystemExit\n",
        "exit_before_answer": "n = int(input())\nexit()\nprint(2 * n)\n",
        "print_then_crash": "n = int(input())\nprint(2 * n)\n1 / 0\n",
        "os_exit": "import os\nn = int(input())\nprint(2 * n)\nos._exit(0)\n",
        "main_guard": "def main():\n    print(2 * int(input()))\n\nif __name__ == '__main__':\n    main()\n",
    }),
    ("deep_recursion", [("1000\n", "1000\n"), ("30000\n", "30000\n"), ("100000\n", "100000\n")], {
        "plain_recursion": "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(int(input())))\n",
        "recursion_with_raised_limit": "import sys\nsys.setrecursionlimit(10 ** 6)\n"
                                       "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(int(input())))\n",
        "recursion_in_big_stack_thread": "import sys, threading\nsys.setrecursionlimit(10 ** 6)\nthreading.stack_size(1 << 26)\n"
                                         "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
                                         "def main():\n    print(depth(int(input())))\n"
                                         "t = threading.Thread(target=main)\nt.start()\nt.join()\n",
        "iterative": "n = int(input())\nd = 0\nwhile n:\n    n -= 1\n    d += 1\nprint(d)\n",
    }),
    ("float_division", [("1 3\n", "0.3333333333\n"), ("2 7\n", "0.2857142857\n"), ("5 2\n", "2.5000000000\n")], {
        "ten_decimals": "a, b = map(int, input().split())\nprint(f'{a / b:.10f}')\n",
        "repr_float": "a, b = map(int, input().split())\nprint(a / b)\n",
        "six_decimals": "a, b = map(int, input().split())\nprint(f'{a / b:.6f}')\n",
        "two_decimals": "a, b = map(int, input().split())\nprint(f'{a / b:.2f}')\n",
    }),
    ("large_integers", [("-50000000000000000\n", "-50000000000000000\n"), ("50000000000000000\n", "50000000000000000\n")], {
        "exact": "print(int(input()))\n",
        "off_by_one_negative": "n = int(input())\nprint(n - 1 if n < 0 else n)\n",
        "off_by_one_positive": "n = int(input())\nprint(n + 1 if n > 0 else n)\n",
        "via_float": "print(int(float(input())))\n",
    }),
    ("integer_beside_float", [("100000\n", "100000\n0.5\n"), ("400000\n", "400000\n0.5\n")], {
        "exact": "print(int(input()))\nprint(0.5)\n",
        "integer_off_by_one": "print(int(input()) + 1)\nprint(0.5)\n",
        "integers_only_off_by_one": "print(int(input()) + 1)\nprint(1)\n",
    }),
    ("huge_integer_output", [("15000\n", f"{_power_of_two(15000)}\n"), ("10\n", "1024\n")], {
        "print_power": "print(2 ** int(input()))\n",
        "print_power_str_join": "print(''.join(str(2 ** int(input()))))\n",
    }),
    ("output_format", [("3\n", "1 2 3\n"), ("2\n", "1 2\n")], {
        "exact": "print(*range(1, int(input()) + 1))\n",
        "trailing_space": "for i in range(1, int(input()) + 1):\n    print(i, end=' ')\nprint()\n",
        "double_spaces": "print('  '.join(map(str, range(1, int(input()) + 1))))\n",
        "floats_for_ints": "print(*[float(i) for i in range(1, int(input()) + 1)])\n",
        "leading_zero": "print(*['0' + str(i) for i in range(1, int(input()) + 1)])\n",
        "one_per_line": "print(*range(1, int(input()) + 1), sep='\\n')\n",
        "list_repr": "print(list(range(1, int(input()) + 1)))\n",
        "blank_lines_around": "print()\nprint(*range(1, int(input()) + 1))\nprint()\nprint()\n",
        "sys_stdout_write": "import sys\nsys.stdout.write(' '.join(map(str, range(1, int(input()) + 1))) + '\\n')\n",
        "from_sys_import_stdout": "from sys import stdout\nstdout.write(' '.join(map(str, range(1, int(input()) + 1))) + '\\n')\n",
        "stdout_buffer_write": "import sys\nsys.stdout.buffer.write((' '.join(map(str, range(1, int(input()) + 1))) + '\\n').encode())\n",
        "os_write_fd_1": "import os\nos.write(1, (' '.join(map(str, range(1, int(input()) + 1))) + '\\n').encode())\n",
    }),
    ("multi_line_output", [("2\n", "1\n2\n"), ("3\n", "1\n2\n3\n")], {
        "exact": "print(*range(1, int(input()) + 1), sep='\\n')\n",
        "blank_line_between": "print(*range(1, int(input()) + 1), sep='\\n\\n')\n",
        "crlf": "import sys\nsys.stdout.write(''.join(f'{i}\\r\\n' for i in range(1, int(input()) + 1)))\n",
        "one_line": "print(*range(1, int(input()) + 1))\n",
    }),
    ("program_shapes", [("5\n", "5\n"), ("7\n", "7\n")], {
        "global_statement": "x = 0\ndef bump(n):\n    global x\n    x += n\nbump(int(input()))\nprint(x)\n",
        "nonlocal_closure": "def outer():\n    x = 0\n    def bump(n):\n        nonlocal x\n        x += n\n"
                            "    bump(int(input()))\n    return x\nprint(outer())\n",
        "multiline_string_length": "s = '''ab\ncd'''\nprint(int(input()) + len(s) - 5)\n",
        "import_after_code": "n = int(input())\nimport math\nprint(math.isqrt(n * n))\n",
        "class_at_top": "class Box:\n    def __init__(self, v):\n        self.v = v\nprint(Box(int(input())).v)\n",
        "star_import_name": "print(int(input()) + floor(0.5))\n",
        "infinite_loop": "n = int(input())\nwhile True:\n    n += 1\n",
        "syntax_error": "print(int(input())\n",
    }),
    ("blank_line_in_input", [("2\n\n4 5\n", "9\n"), ("1\n\n3\n", "3\n")], {
        "input_skip_blank": "n = int(input())\ninput()\nprint(sum(map(int, input().split())))\n",
        "input_until_blank": "vals = []\nwhile True:\n    line = input()\n    if not line:\n        break\n"
                             "    vals.append(line)\nprint(sum(map(int, input().split())))\n",
        "read_split": "import sys\nprint(sum(map(int, sys.stdin.read().split()[1:])))\n",
        "from_sys_import_stdin_readline": "from sys import stdin\nstdin.readline()\nstdin.readline()\n"
                                          "print(sum(map(int, stdin.readline().split())))\n",
    }),
]

# -- functional (LeetCode) problems ----------------------------------------------------------
QUIRKS_FUNCTIONAL = [
    ("lc_pair", "pair", [("3\n1", "[1, 3]"), ("2\n5", "[2, 5]")], {
        "list": "class Solution:\n    def pair(self, a: int, b: int) -> List[int]:\n        return [min(a, b), max(a, b)]\n",
        "tuple": "class Solution:\n    def pair(self, a: int, b: int) -> List[int]:\n        return min(a, b), max(a, b)\n",
        "set": "class Solution:\n    def pair(self, a: int, b: int) -> List[int]:\n        return {a, b}\n",
        "module_function": "def pair(a, b):\n    return sorted([a, b])\n",
        "wrong_name": "class Solution:\n    def pear(self, a, b):\n        return [a, b]\n",
        "raises": "class Solution:\n    def pair(self, a, b):\n        return [a, b][2]\n",
        "exit_call": "class Solution:\n    def pair(self, a, b):\n        exit()\n",
        "sys_exit_call": "import sys\nclass Solution:\n    def pair(self, a, b):\n        sys.exit(0)\n",
        "infinite_loop": "class Solution:\n    def pair(self, a, b):\n        while True:\n            pass\n",
        "syntax_error": "class Solution:\n    def pair(self, a, b)\n        return [a, b]\n",
    }),
    ("lc_nested", "nested", [("2", "[[1, 2]]"), ("3", "[[1, 3]]")], {
        "exact": "class Solution:\n    def nested(self, n):\n        return [[1, n]]\n",
        "unwrapped": "class Solution:\n    def nested(self, n):\n        return [1, n]\n",
        "list_of_tuples": "class Solution:\n    def nested(self, n):\n        return [(1, n)]\n",
    }),
    ("lc_float", "half", [("1", "0.5"), ("3", "0.3")], {
        "exact_division": "class Solution:\n    def half(self, n):\n        return 0.5 if n == 1 else 0.1 * 3\n",
        "rounded": "class Solution:\n    def half(self, n):\n        return round(0.5 if n == 1 else 0.1 * 3, 10)\n",
    }),
    ("lc_deep", "depth", [("1000", "1000"), ("100000", "100000")], {
        "plain_recursion": "class Solution:\n    def depth(self, n):\n        return 0 if n == 0 else 1 + self.depth(n - 1)\n",
        "iterative": "class Solution:\n    def depth(self, n):\n        return n\n",
    }),
    ("lc_keys", "keysum", [('{"1": 2, "3": 4}', "4"), ('{"10": 0}', "10")], {
        "int_of_keys": "class Solution:\n    def keysum(self, d):\n        return sum(int(k) for k in d)\n",
        "keys_as_ints": "class Solution:\n    def keysum(self, d):\n        return sum(d.keys())\n",
    }),
]


DATA = Path(__file__).parent / "data"
PROBLEMS, SAMPLES = DATA / "lcb_problems.jsonl", DATA / "lcb_samples.json"


def problem_set() -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    """(problem rows, samples, code names per question_id): the generated problems, then the
    hand-written ones of tests/data (their codes named sample_0, sample_1, ...)."""
    problems, samples, names = [], [], {}
    for task, (body, expect) in TASKS.items():
        qid = f"read_{task}"
        tests = [(text, expect(rows)) for text, rows in zip(TEXT_INPUTS, ROW_INPUTS, strict=True)]
        problems.append(_row(qid, tests))
        names[qid] = list(READERS)
        samples.append({"question_id": qid, "code_list": [_program(r, ROWS, body) for r in READERS.values()]})
    for qid, tests, codes in QUIRKS_STDIO:
        problems.append(_row(qid, tests, public=1))
        names[qid] = list(codes)
        samples.append({"question_id": qid, "code_list": list(codes.values())})
    for qid, fn, tests, codes in QUIRKS_FUNCTIONAL:
        problems.append(_row(qid, tests, fn_name=fn, public=1))
        names[qid] = list(codes)
        samples.append({"question_id": qid, "code_list": list(codes.values())})
    problems += [json.loads(line) for line in PROBLEMS.read_text().splitlines() if line.strip()]
    for s in json.loads(SAMPLES.read_text()):
        names[s["question_id"]] = [f"sample_{i}" for i in range(len(s["code_list"]))]
        samples.append(s)
    return problems, samples, names


def code(qid: str, name: str) -> str:
    """One program of the set, by problem and name."""
    _, samples, names = problem_set()
    return next(s["code_list"][names[qid].index(name)] for s in samples if s["question_id"] == qid)
