"""Verdicts of lcb_runner's own grader against Gauntlet's checkers, code by code, on the generated
quirk set (tests/lcb_quirks.py: every way of reading stdin, exit(), deep recursion, float and
large-integer output, output formats, LeetCode-style functions).

lcb_runner is not on PyPI and is not vendored: give it checkouts of LiveCodeBench (the repository
root, the folder holding ``lcb_runner/``), the current one and, for ``--checker legacy``, the last
commit before its January 2025 grader (8eac093):

    git clone https://github.com/LiveCodeBench/LiveCodeBench /tmp/LiveCodeBench
    git clone /tmp/LiveCodeBench /tmp/LiveCodeBench-8eac093 && git -C /tmp/LiveCodeBench-8eac093 checkout 8eac093
    python bench/lcb_verdict_equality.py --lcb-runner /tmp/LiveCodeBench --lcb-runner-legacy /tmp/LiveCodeBench-8eac093

Each lcb_runner runs in its own interpreter, through its own entry points: the dataset rows are
parsed by its ``CodeGenerationProblem`` where the checkout has it, and graded by its
``evaluate_generations`` (process pool, one process per code, its timeouts), with stdin from
/dev/null.  The older checkout imports ``pyext``, whose last release does not install on Python
3.11+; a module that provides the one function it uses (``RuntimeModule.from_string``: a new module
with the code executed in it) is put on its path.

Gauntlet grades the same rows with ``--checker lcb``, ``real-stdin`` and ``legacy``.  Writes
bench/results/lcb_verdict_equality.json (every row) and .md (the table of differences).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

PYEXT_STANDIN = '''"""What lcb_runner's older grader uses of pyext (its release needs inspect.getargspec)."""
import sys
import types


class RuntimeModule:
    @staticmethod
    def from_string(name, doc, source):
        module = types.ModuleType(name, doc)
        module.__file__ = "<runtime_module>"
        sys.modules[name] = module
        exec(compile(source, "<string>", "exec"), module.__dict__)
        return module
'''


def reference(path_in: str, path_out: str, timeout: int) -> None:
    """Run inside an interpreter whose path holds lcb_runner: grade every sample with it."""
    from lcb_runner.evaluation.compute_code_generation_metrics import evaluate_generations

    data = json.loads(Path(path_in).read_text())
    try:
        from lcb_runner.benchmarks.code_generation import CodeGenerationProblem

        samples = [CodeGenerationProblem(**row).get_evaluation_sample() for row in data["problems"]]
    except ImportError:  # a checkout whose loader needs packages not installed: the row's own fields
        from harness.benchmarks import livecodebench as lcbm

        samples = []
        for row in data["problems"]:
            p = lcbm.Problem.from_row(row)
            samples.append({"input_output": json.dumps({"inputs": [t.input for t in p.tests],
                                                        "outputs": [t.output for t in p.tests], "fn_name": p.fn_name})})
    generations = [s["code_list"] for s in data["samples"]]
    results, metadata = evaluate_generations(samples, generations, num_process_evaluate=2, timeout=timeout)
    out = [[{"results": [_plain(x) for x in results[i][j]], "meta": metadata[i][j] if i in metadata else None}
            for j in range(len(generations[i]))] for i in range(len(generations))]
    Path(path_out).write_text(json.dumps(out, default=repr))


def _plain(x):
    return x if isinstance(x, (bool, int)) else (bool(x) if str(x) in ("True", "False") else int(x))


def run_reference(checkout: str, problems: list, samples: list, timeout: int, legacy: bool) -> list:
    with tempfile.TemporaryDirectory(prefix="lcb-ref-") as tmp:
        src, dst = Path(tmp) / "in.json", Path(tmp) / "out.json"
        src.write_text(json.dumps({"problems": problems, "samples": samples}))
        path = [str(Path(checkout).resolve()), str(ROOT)]
        if legacy:
            (Path(tmp) / "pyext.py").write_text(PYEXT_STANDIN)
            path.append(tmp)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        t0 = time.monotonic()
        subprocess.run([sys.executable, __file__, "--reference", str(src), str(dst), str(timeout)], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True, cwd=tmp)
        print(f"lcb_runner ({'legacy' if legacy else 'current'}) graded in {time.monotonic() - t0:.1f} s", flush=True)
        return json.loads(dst.read_text())


def _commit(checkout: str) -> str | None:
    r = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or None


def passed(results: list) -> bool:
    return bool(results) and all(x is True for x in results)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lcb-runner", required=True, help="LiveCodeBench checkout (current lcb_runner)")
    ap.add_argument("--lcb-runner-legacy", help="LiveCodeBench checkout at 8eac093 (older grader)")
    ap.add_argument("--timeout", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "lcb_verdict_equality"))
    args = ap.parse_args()

    from lcb_quirks import problem_set

    from harness.benchmarks import livecodebench as lcbm
    from harness.benchmarks.executor import Executor

    problems, samples, names = problem_set()
    refs = {"lcb": run_reference(args.lcb_runner, problems, samples, args.timeout, legacy=False)}
    if args.lcb_runner_legacy:
        refs["legacy"] = run_reference(args.lcb_runner_legacy, problems, samples, args.timeout, legacy=True)
    parsed = [lcbm.Problem.from_row(r) for r in problems]
    ours: dict[str, list] = {}
    with Executor(args.workers) as ex:
        for checker in ("lcb", "real-stdin", "legacy"):
            t0 = time.monotonic()
            jobs = list(zip(parsed, samples, strict=True))
            ours[checker] = list(ex.map(lambda job, c=checker: lcbm.grade_problem(ex, job[0], job[1]["code_list"],
                                                                                    args.timeout, c), jobs))
            print(f"gauntlet --checker {checker} graded in {time.monotonic() - t0:.1f} s", flush=True)

    rows = []
    for i, (p, s) in enumerate(zip(parsed, samples, strict=True)):
        for j, _ in enumerate(s["code_list"]):
            row = {"question_id": p.question_id, "code": names[p.question_id][j],
                   "lcb_runner": refs["lcb"][i][j]["results"]}
            if "legacy" in refs:
                row["lcb_runner_legacy"] = refs["legacy"][i][j]["results"]
            for checker in ours:
                c = ours[checker][i]["codes"][j]
                row[f"gauntlet_{checker}"] = c["results"]
                if not c["passed"] and c.get("error"):
                    row[f"gauntlet_{checker}_error"] = c["error"][:200]
            rows.append(row)

    def tally(mine: str, theirs: str) -> dict:
        same_verdict = [r for r in rows if passed(r[mine]) == passed(r[theirs])]
        same_results = [r for r in rows if r[mine] == r[theirs]]
        return {"codes": len(rows), "verdicts_equal": len(same_verdict), "results_equal": len(same_results),
                "passed_gauntlet": sum(passed(r[mine]) for r in rows), "passed_lcb_runner": sum(passed(r[theirs]) for r in rows),
                "differ": [f"{r['question_id']}/{r['code']}" for r in rows if passed(r[mine]) != passed(r[theirs])]}

    summary = {"lcb vs lcb_runner": tally("gauntlet_lcb", "lcb_runner"),
               "real-stdin vs lcb_runner": tally("gauntlet_real-stdin", "lcb_runner")}
    if "legacy" in refs:
        summary["legacy vs lcb_runner@8eac093"] = tally("gauntlet_legacy", "lcb_runner_legacy")
    meta = {"date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0], "timeout_s": args.timeout,
            "problems": len(problems), "codes": len(rows), "command": " ".join(["python", *sys.argv]),
            "lcb_runner_commit": _commit(args.lcb_runner),
            "lcb_runner_legacy_commit": _commit(args.lcb_runner_legacy) if args.lcb_runner_legacy else None}
    Path(args.out + ".json").write_text(json.dumps({**meta, "summary": summary, "rows": rows}, indent=1) + "\n")
    Path(args.out + ".md").write_text(_markdown(meta, summary, rows))
    for name, t in summary.items():
        print(f"{name}: verdicts equal {t['verdicts_equal']}/{t['codes']}, result lists equal {t['results_equal']}/{t['codes']}")
        for d in t["differ"]:
            print(f"   differs: {d}")
    lcb = summary["lcb vs lcb_runner"]
    legacy = summary.get("legacy vs lcb_runner@8eac093", lcb)
    return 0 if lcb["verdicts_equal"] == lcb["codes"] and legacy["verdicts_equal"] == legacy["codes"] else 1


def _markdown(meta: dict, summary: dict, rows: list) -> str:
    lines = [f"# LiveCodeBench verdicts: Gauntlet vs lcb_runner ({meta['date']}, Python {meta['python']})", "",
             f"{meta['problems']} problems, {meta['codes']} codes, timeout {meta['timeout_s']} s; lcb_runner at "
             f"{meta['lcb_runner_commit']}, older grader at {meta['lcb_runner_legacy_commit']}.", "", f"`{meta['command']}`", "",
             "| comparison | verdicts equal | result lists equal | passed (Gauntlet / lcb_runner) |", "|---|---|---|---|"]
    for name, t in summary.items():
        lines.append(f"| {name} | {t['verdicts_equal']}/{t['codes']} | {t['results_equal']}/{t['codes']} | "
                     f"{t['passed_gauntlet']} / {t['passed_lcb_runner']} |")
    lines += ["", "Codes whose verdict differs between Gauntlet's `real-stdin` checker and lcb_runner:", "",
              "| problem / code | lcb_runner | real-stdin |", "|---|---|---|"]
    for r in rows:
        if passed(r["gauntlet_real-stdin"]) != passed(r["lcb_runner"]):
            lines.append(f"| {r['question_id']} / {r['code']} | {r['lcb_runner']} | {r['gauntlet_real-stdin']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--reference":
        reference(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(main())
