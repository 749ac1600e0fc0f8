"""``gauntlet tasks``: generate SWE-format tasks from injected bugs, and check their quality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.cli.jobs import old_executor_option, open_runner, ray_address_option, runner_option
from harness.cli.output import EXIT_INFRA, console
from harness.errors import UsageError

tasks_app = typer.Typer(help="Generate training / evaluation tasks from injected bugs.", no_args_is_help=True)


@tasks_app.command(epilog="Example: gauntlet tasks generate --repo examples/python/slugify --language python --max 20 -o tasks.jsonl")
def generate(
    repo: str = typer.Option(..., "--repo", help="A project directory, or a git URL (cloned; needs network)."),
    output: Path = typer.Option(Path("tasks.jsonl"), "--output", "-o", help="Tasks file (JSON Lines, SWE-bench format)."),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="Language (default: detected)."),
    name: Optional[str] = typer.Option(None, "--name", help="Repository name owner/name for the tasks (default: from the path)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Git store of the buggy snapshots (default: OUTPUT.repos)."),
    max_tasks: int = typer.Option(200, "--max", min=1, help="Stop after this many kept tasks."),
    max_candidates: Optional[int] = typer.Option(None, help="Validate at most this many candidates."),
    workers: int = typer.Option(2, "--workers", "-w", min=1, help="Parallel validation sessions."),
    backend: str = typer.Option("local", "--backend", "-b", help="Sandbox backend."),
    image_registry: Optional[str] = typer.Option(
        None, "--image-registry", help="Docker backend: pull the language image from this registry (REGISTRY/<image>) "
                                       "when missing, building it only if the registry lacks it (every Ray node too)."),
    seed: int = typer.Option(0, help="Seed for the candidates' order."),
    timeout: Optional[float] = typer.Option(None, help="Seconds allowed for one build or test run of a candidate "
                                            "(default: 5x the clean suite's time + 5 s, at least 10 s)."),
    network: bool = typer.Option(False, help="Give the sandboxes network access (to download dependencies)."),
    related_first: bool = typer.Option(True, "--related-first/--full-suite",
                                       help="Kill check on the tests that can see the mutated file first (Python, Go, "
                                            "TypeScript); survivors then cost no whole-suite run."),
    fail_fast: bool = typer.Option(True, "--fail-fast/--no-fail-fast",
                                   help="The kill check stops at its first failing test (pytest -x, go test -failfast, "
                                        "vitest/jest --bail)."),
    sources: list[str] = typer.Option(["plugin"], "--source",
                                      help="Candidate source, repeatable: plugin (the language plugin's operators) or a "
                                           "mutation tool that the plugin offers: cargo-mutants (Rust; `cargo install "
                                           "cargo-mutants`), mutmut (Python; `pip install mutmut`)."),
    files: list[str] = typer.Option([], "--file",
                                    help="Mutate only the source files matching this glob (relative to the repository, "
                                         "repeatable), e.g. --file 'src/parser/*.py'."),
    runner_kind: str = runner_option(),
    old_executor: Optional[str] = old_executor_option(),
    ray_address: Optional[str] = ray_address_option(),
) -> None:
    """Inject bugs with the language plugin and keep those that the project's own tests catch.

    Writes OUTPUT (SWE-bench instances, evaluable with `gauntlet swebench --dataset OUTPUT --gold`),
    OUTPUT.debug.jsonl (buggy file, fixed file, failing output) and OUTPUT.run/ (every candidate's
    verdict; a rerun resumes).
    """
    from harness.evaluate import resolve_language
    from harness.plugins import get_plugin_manager
    from harness.tasks.generate import GenerateOptions
    from harness.tasks.generate import generate as run_generate
    from harness.tasks.native import require
    from harness.tasks.source import project_source

    pm = get_plugin_manager()
    source, repo_name = project_source(repo, name)
    lang = resolve_language(source, language, pm)
    for s in sources:
        try:
            require(s, lang, pm)
        except ValueError as e:  # an unknown source name
            raise UsageError(str(e)) from e
    opts = GenerateOptions(
        language=lang, repo_name=repo_name, output=output,
        store=store or output.with_name(output.name + ".repos"), backend=backend, max_tasks=max_tasks,
        max_candidates=max_candidates, workers=workers, seed=seed, timeout=timeout, network=network, related_first=related_first,
        fail_fast=fail_fast, sources=tuple(sources), files=tuple(files) or None, image_registry=image_registry,
    )
    with Progress(TextColumn("[bold]tasks"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[kept]} kept, {task.fields[failed]} don't build, {task.fields[survived]} survived"),
                  TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task("validate", total=None, kept=0, failed=0, survived=0)

        def update(rep) -> None:
            progress.update(bar, total=rep.candidates, completed=rep.validated, kept=rep.kept,
                            failed=rep.build_failed, survived=rep.survived)

        runner = open_runner(runner_kind, ray_address, old_executor=old_executor)
        try:
            report = run_generate(source, opts, pm, on_progress=update, runner=runner)
        finally:
            if runner is not None:
                runner.close()
    b = report.baseline
    console.print(f"baseline: {len(b.stable)} stable tests, {len(b.flaky)} flaky (excluded), {len(b.failing)} failing")
    console.print(f"candidates {report.candidates}, validated {report.validated}: {report.kept} kept, "
                  f"{report.survived} survived, {report.build_failed} don't build, {report.not_applied} don't apply "
                  f"({report.seconds:.0f}s) -> {output}")
    if report.by_verdict.get("infra_error"):
        console.print(f"[yellow]{report.by_verdict['infra_error']} candidate(s) failed on infrastructure twice[/yellow] "
                      "(no record: run the same command again to validate them)")
        raise typer.Exit(EXIT_INFRA)


@tasks_app.command()
def stats(
    path: Path = typer.Argument(..., help="A tasks.jsonl file written by `gauntlet tasks generate`."),
    gate: bool = typer.Option(False, "--gate", help="Exit 1 when a data quality gate fails."),
    min_caught: int = typer.Option(3000, help="Gate: minimum caught mutations (the roadmap's 3,000)."),
    max_duplicates: int = typer.Option(0, help="Gate: maximum duplicate (buggy, fixed) pairs."),
    min_multi_fail: float = typer.Option(0.0, help="Gate: minimum share of tasks with >= 2 failing tests."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Counts, spreads and the roadmap's data quality gates for a tasks file."""
    from harness.tasks.stats import compute, gates

    if not path.is_file():
        raise UsageError(f"tasks file not found: {path}")
    try:
        s = compute(path)
    except (ValueError, KeyError) as e:  # TasksFileError included
        raise UsageError(f"{path} is not a tasks file: {e}") from e
    g = gates(s, min_caught, max_duplicates, min_multi_fail)
    if as_json:
        print(json.dumps({**s, "gates": [vars(x) for x in g]}, indent=2))
    else:
        console.print(f"{s['tasks']} tasks ({s['candidates_validated']} candidates validated: {s['verdicts']})")
        console.print(f"median diff: {s['median_diff_lines']} lines; >= 2 failing tests: {s['share_two_or_more_failing']:.0%}")
        t = Table("operator", "tasks")
        for k, v in s["per_operator"].items():
            t.add_row(k, str(v))
        console.print(t)
        console.print(f"files: {len(s['per_file'])} (top: {list(s['per_file'].items())[:5]})")
        gt = Table("gate", "value", "threshold", "ok")
        for x in g:
            gt.add_row(x.name, str(x.value), str(x.threshold), "[green]pass[/]" if x.passed else "[red]fail[/]")
        console.print(gt)
    if gate and not all(x.passed for x in g):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
