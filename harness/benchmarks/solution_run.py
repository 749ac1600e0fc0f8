"""Shared driver of the solution benchmarks: grade per-problem work items in parallel on the
executor, append one record per problem to the run directory (resumable), show progress.

With a job runner (``--runner ray``) each problem is a self-contained job (``remote``: the job
function and its arguments) that grades on a warm executor of the node it lands on; the records
come back here and are written as they arrive.  A problem whose job failed on infrastructure twice
gets no record (a rerun grades it again) and is listed in ``infra_failures``.

``grade_run`` is the whole of it for a benchmark (``gauntlet lcb`` and ``gauntlet humaneval`` call
it): a job runner or a local ``Executor``, the run directory, the records."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from harness.errors import UsageError
from harness.jobs import Resources
from harness.results import Manifest, RunWriter, atomic_write_text

BACKENDS = ("local", "docker")  # where solutions run: warm workers in a jail, or in containers


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise UsageError(f"--backend must be 'local' or 'docker', got {backend!r}")


def open_executor(workers: int = 0, profile: str = "full", backend: str = "local"):
    """A started ``Executor`` (``ExecutorError``, an infrastructure error, when it cannot start)."""
    from harness.benchmarks.executor import Executor

    check_backend(backend)
    return Executor(workers, profile=profile, backend=backend)


def grade_run(
    items: Sequence[tuple[str, Any]],
    run_dir: Path,
    manifest: Manifest,
    *,
    rerun: bool = False,
    runner=None,
    remote: tuple[Callable[..., dict], Callable[[str, Any], tuple]] | None = None,
    local: Callable[[Any], Callable[[str, Any], dict]] | None = None,
    workers: int = 0,
    profile: str = "full",
    backend: str = "local",
) -> tuple[list[dict], list[tuple[str, str]], str]:
    """Grade ``items`` into ``run_dir`` (resumed unless ``rerun``): as jobs of ``runner`` (each the job
    ``remote = (fn, args_of)``; ``runner`` is closed at the end) or, without one, on a local executor
    of ``workers``, ``profile`` and ``backend`` that ``local(executor)`` turns into the grading
    function.  The manifest records which.  Returns (records, problems not graded on
    infrastructure with why, run id)."""
    failures: list[tuple[str, str]] = []
    if runner is None:
        with open_executor(workers, profile, backend) as ex:
            manifest.args["executor"] = ex.protections  # before the manifest is written
            writer = RunWriter(run_dir, manifest, resume=not rerun)
            records = run_problems(items, local(ex), writer, ex.size, manifest.benchmark)
        return records, failures, writer.manifest.run_id
    try:
        manifest.args["runner"] = runner.name
        writer = RunWriter(run_dir, manifest, resume=not rerun)
        records = run_problems(items, None, writer, 0, manifest.benchmark, runner=runner, remote=remote,
                               infra_failures=failures, resources=Resources(cpus=1, docker=backend == "docker"))
    finally:
        runner.close()
    return records, failures, writer.manifest.run_id


def run_problems(
    items: Sequence[tuple[str, Any]],
    grade: Callable[[str, Any], dict],
    writer: RunWriter,
    workers: int,
    label: str,
    console: Console | None = None,
    runner=None,
    remote: tuple[Callable[..., dict], Callable[[str, Any], tuple]] | None = None,
    infra_failures: list[tuple[str, str]] | None = None,
    resources: Resources = Resources(),
) -> list[dict]:
    """``grade(task_id, item)`` for every item not already recorded; returns all records in order.

    With ``runner`` (a ``harness.jobs`` job runner) and ``remote = (fn, args_of)``, each item runs
    there as the job ``fn(*args_of(task_id, item))`` instead, on a node with ``resources``."""
    todo = [(tid, it) for tid, it in items if tid not in writer.done]
    progress = Progress(TextColumn(f"[bold]{label}[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=console or Console(stderr=True), transient=False)
    if runner is not None and remote is not None:
        with progress:
            bar = progress.add_task(label, total=len(items), completed=len(items) - len(todo))
            fn, args_of = remote
            for res in runner.map(fn, [(tid, args_of(tid, it)) for tid, it in todo], resources):
                if res.ok:
                    writer.write(res.job_id, res.value)
                elif infra_failures is not None:
                    infra_failures.append((res.job_id, res.error))
                progress.advance(bar)
        return [writer.done[tid] for tid, _ in items if tid in writer.done]
    with progress, ThreadPoolExecutor(max(1, workers)) as tp:
        bar = progress.add_task(label, total=len(items), completed=len(items) - len(todo))
        futures = {tp.submit(grade, tid, it): tid for tid, it in todo}
        for fut in as_completed(futures):
            writer.write(futures[fut], fut.result())
            progress.advance(bar)
    return [writer.done[tid] for tid, _ in items if tid in writer.done]


def write_summary(run_dir: Path, summary: dict) -> None:
    """Atomic (temp file + os.replace): a run killed while writing keeps the previous summary."""
    atomic_write_text(Path(run_dir) / "summary.json", json.dumps(summary, indent=2) + "\n")
