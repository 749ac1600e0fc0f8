"""``gauntlet swebench``: evaluate predictions on SWE-bench, in the official format."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from harness.cli.jobs import old_executor_option, open_runner, ray_address_option, runner_name, runner_option
from harness.cli.output import EXIT_FAILED, EXIT_INFRA, EXIT_OK, console

EPILOG = """
Examples:

  gauntlet swebench --dataset SWE-bench/SWE-bench_Lite --predictions preds.jsonl --workers 8

  gauntlet swebench --dataset multilingual-test.parquet --gold -i sharkdp__bat-1892 --mode own --repos ~/repos

  gauntlet swebench --dataset SWE-bench/SWE-bench_Verified --predictions preds.jsonl --runner ray --ray-address head:6379

  gauntlet swebench --dataset SWE-bench/SWE-bench_Lite -i astropy__astropy-12907 --validate 3

Exit codes: 0 all evaluated instances resolved, 1 some not resolved (a patch that does not apply, tests past
the timeout and a rejected prediction included), 2 usage error, 3 infrastructure errors (no verdict).
--validate: 0 no flaky test, 1 some.
"""


def swebench(
    dataset: str = typer.Option(..., "--dataset", "-d", help="Hub dataset name, or a .parquet/.json/.jsonl file or folder."),
    split: str = typer.Option("test", help="Dataset split (hub datasets)."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", "-p", help="Predictions file (.json or .jsonl)."),
    gold: bool = typer.Option(False, "--gold", help="Use the dataset's own patches (validation: should resolve)."),
    empty: bool = typer.Option(False, "--empty", help="Use empty patches (validation: should not resolve)."),
    instance_ids: Optional[list[str]] = typer.Option(None, "--instance-id", "-i", help="Only this instance (repeatable)."),
    repo: Optional[list[str]] = typer.Option(None, "--repo", help="Only instances of this repository owner/name (repeatable)."),
    language: Optional[list[str]] = typer.Option(None, "--language", "-l", help="Only instances of this language (repeatable)."),
    mode: str = typer.Option(
        "auto", help="official: the rows' images; own: the plugin's image + --repos; auto: own for generated tasks, else official."
    ),
    backend: str = typer.Option("auto", "--backend", "-b", help="Sandbox backend; auto: docker, or local for generated tasks."),
    repos: Optional[Path] = typer.Option(
        None, "--repos", help="Folder of git clones (own mode): DIR/owner__name; generated tasks name their own store."
    ),
    clone: bool = typer.Option(False, help="Clone missing repositories (own mode; needs network)."),
    fetch_deps: bool = typer.Option(
        False, help="Own mode: a setup step with network downloads dependencies; the evaluation stays offline."
    ),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Instances evaluated in parallel."),
    timeout: float = typer.Option(1800, help="Seconds allowed for one instance's eval script."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Name of the run (default: derived from the predictions)."),
    output: Path = typer.Option(Path("logs/run_evaluation"), "--output", "-o", help="Root folder of run directories."),
    reject_test_edits: bool = typer.Option(False, help="Fail predictions that edit tests or test configuration."),
    rerun: bool = typer.Option(False, help="Evaluate again instances that already have a result."),
    network: bool = typer.Option(
        True, "--network/--no-network",
        help="Official mode: eval scripts run with network, as the official harness's containers do (they "
             "'pip install -e .'); --no-network runs them without (pip is told not to look for an index, and "
             "network errors are not called environment failures). Own mode always evaluates offline.",
    ),
    quarantine: Optional[Path] = typer.Option(
        None, "--quarantine", help="A quarantine file from --validate: its flaky tests do not count (report.json lists them)."
    ),
    validate: Optional[int] = typer.Option(
        None, "--validate", min=2, help="Run gold and empty N times per instance; report every FAIL_TO_PASS / PASS_TO_PASS "
                                        "test whose status changes and write a quarantine file (no --predictions).",
    ),
    image_registry: Optional[str] = typer.Option(
        None, "--image-registry",
        help="Pull images from this registry (REGISTRY/<image>), e.g. a mirror: official mode the rows' images; "
             "own mode the plugin's language image when missing, built only if the registry lacks it.",
    ),
    push_images: bool = typer.Option(
        False, "--push-images", help="Own mode with --image-registry: push a language image built here to the registry."
    ),
    env_specs: Optional[Path] = typer.Option(
        None, "--env-specs",
        help="Own mode, Python instances: SWE-bench's install specs per (repo, version), from a .json file, a swebench "
             "2-4 wheel (pip download --no-deps swebench==4.1.0) or its harness/constants/python.py; each instance "
             "gets a venv from its spec (docs/swebench-environments.md).",
    ),
    python_fallback: bool = typer.Option(
        False, "--python-fallback", help="With --env-specs: use the image's python3 when the spec's Python is not to be had."
    ),
    runner_kind: str = runner_option(),
    old_executor: Optional[str] = old_executor_option(),
    ray_address: Optional[str] = ray_address_option(),
) -> None:
    """Evaluate a predictions file against SWE-bench Lite, Verified or Multilingual.

    Writes the official per-instance files (report.json, test_output.txt ...) and summary under
    OUTPUT/RUN_ID/, plus a manifest and results.jsonl; a rerun skips finished instances.
    """
    from harness.benchmarks.swebench.instance import EVAL_ERRORS, INFRA_ERROR
    from harness.benchmarks.swebench.plan import open_environment, plan
    from harness.benchmarks.swebench.run import RunOptions, run

    if validate is not None and (predictions or gold or empty):
        from harness.errors import UsageError

        raise UsageError("--validate runs the gold and the empty patches itself: give no --predictions, --gold or --empty")
    from harness.benchmarks.swebench.flaky import load_quarantine

    quarantined = load_quarantine(quarantine) if quarantine else {}
    p = plan(dataset, split, predictions=predictions, gold=gold or validate is not None, empty=empty,
             instance_ids=instance_ids, repo_names=repo,
             languages=language, mode=mode, backend=backend, repos=repos, image_registry=image_registry,
             push_images=push_images)
    instances, preds, backend = p.instances, p.predictions, p.backend
    rid = run_id or f"{'validate' if validate else p.label}-{time.strftime('%Y%m%d-%H%M%S')}"
    runner = open_runner(runner_kind, ray_address, old_executor=old_executor)
    try:  # with a job runner, each node opens its own environment
        env = open_environment(p, clone=clone, fetch_deps=fetch_deps, registry=image_registry, push=push_images,
                               remote=runner is not None, network=network, env_specs=env_specs,
                               python_fallback=python_fallback)
    except BaseException:
        if runner is not None:
            runner.close()
        raise
    options = RunOptions(
        run_id=rid, output=output, workers=workers, timeout=timeout, reject_test_edits=reject_test_edits,
        rerun=rerun, dataset_name=dataset, quarantine=quarantined, extra_manifest={"split": split, "backend": backend,
                                                                 "runner": runner_name(runner_kind, old_executor),
                                                                 "image_registry": image_registry,
                                                                 "push_images": push_images},
    )
    if validate is not None:
        _validate(instances, env, options, validate, runner)
    counts = {"resolved": 0, "unresolved": 0, "error": 0}
    todo = [i for i in instances if i["instance_id"] in preds]
    with Progress(
        TextColumn("[bold]swebench"), BarColumn(), MofNCompleteColumn(),
        TextColumn("[green]{task.fields[resolved]} resolved[/] [red]{task.fields[unresolved]} failed[/] "
                   "[yellow]{task.fields[error]} errors[/]"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    ) as progress:
        task = progress.add_task("eval", total=len(todo), **counts)

        def on_result(iid: str, rec: dict) -> None:
            key = "resolved" if rec["resolved"] else "error" if rec["status"] in (INFRA_ERROR, *EVAL_ERRORS) else "unresolved"
            counts[key] += 1
            progress.update(task, advance=1, **counts)

        try:
            summary = run(instances, preds, env, options, on_result=on_result, runner=runner)
        finally:
            if runner is not None:
                runner.close()
    run_dir = output / rid
    console.print(
        f"resolved {summary['resolved_instances']}/{summary['submitted_instances']} submitted "
        f"({summary['unresolved_instances']} unresolved, {summary['error_instances']} errors, "
        f"{summary['empty_patch_instances']} empty patches) — {run_dir}"
    )
    from harness.results import read_records

    flagged = [r["task_id"] for r in read_records(run_dir) if r.get("test_edits")]
    if flagged:
        console.print(f"[yellow]{len(flagged)} prediction(s) edit tests or test configuration:[/] {', '.join(flagged[:10])}")
    for iid, reason in summary["error_reasons"].items():
        console.print(f"[yellow]error[/] {iid}: {reason}")
    res = summary["resources"]
    console.print(f"resources: {res['total_seconds']:.1f} s wall, {res['cpu_seconds']:.1f} s CPU, "
                  f"peak memory {res['peak_memory_mb']:.0f} MiB (largest instance)")
    if summary["infra_error_ids"]:  # the harness failed: no verdict for those instances
        raise typer.Exit(EXIT_INFRA)
    raise typer.Exit(EXIT_OK if summary["resolved_instances"] == len(todo) else EXIT_FAILED)


def _validate(instances, env, options, repeats: int, runner) -> None:
    """``--validate N``: gold and empty N times each, the flaky tests on screen and in a quarantine file."""
    from harness.benchmarks.swebench.flaky import validate

    try:
        with console.status("validating") as status:
            report = validate(instances, env, options, repeats,
                              on_run=lambda rid, s: status.update(f"{rid}: {s['resolved_instances']} resolved"))
    finally:
        if runner is not None:
            runner.close()
    for rid, r in report["runs"].items():
        console.print(f"{rid}: resolved {len(r['resolved'])}, errors {len(r['errors'])}")
    for iid, tests in report["flaky"].items():
        for test, by in tests.items():
            console.print(f"[yellow]flaky[/] {iid} {test}: " + "; ".join(f"{k} {' '.join(v)}" for k, v in by.items()))
    n = sum(len(t) for t in report["quarantine"].values())
    console.print(f"{n} flaky test(s) — quarantine file {options.output / (options.run_id + '.quarantine.json')}")
    raise typer.Exit(EXIT_FAILED if n else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("swebench", epilog=EPILOG)(swebench)
