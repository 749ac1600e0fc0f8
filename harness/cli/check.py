"""``gauntlet check``: build, test and lint one project (optionally after a patch) and print the reward."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from harness.cli.output import EXIT_FAILED, EXIT_INFRA, EXIT_OK, console
from harness.errors import UsageError
from harness.outcome import Outcome, Status


def check_cmd(
    path: Path = typer.Argument(..., help="The project directory to evaluate."),
    patch: Optional[Path] = typer.Option(None, "--patch", "-p", help="A unified diff (git style or plain) to apply first."),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="Language plugin to use (default: detected)."),
    backend: str = typer.Option("local", "--backend", "-b",
                                help="Sandbox backend: local (default), docker, or one that an installed distribution "
                                     "registers (gauntlet plugins --backends lists them)."),
    select: Optional[list[str]] = typer.Option(None, "--test", "-t", help="Run only this test id (repeatable)."),
    timeout: float = typer.Option(600.0, help="Seconds allowed per step (build, tests, lint)."),
    lint: bool = typer.Option(True, help="Run the linter."),
    network: bool = typer.Option(False, help="Give the sandbox network access (off by default)."),
    offline: bool = typer.Option(
        False, "--offline",
        help="Skip the dependency step: by default, for languages whose plugin prepares dependencies (TypeScript), "
             "a session with registry access fetches them for the unpatched project before the patch is applied; "
             "with --offline they must already be in the cache (a miss is an infrastructure error)."),
    base_image: Optional[str] = typer.Option(
        None, "--base-image",
        help="Docker: build the language image on this base (e.g. gauntlet-base:trixie from `gauntlet images "
             "bootstrap`) instead of the plugin's official one."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome and reward as one JSON document."),
) -> None:
    """Build, test and lint a project (optionally after applying a patch) and print the reward.

    Examples:

      gauntlet check examples/python/slugify

      gauntlet check examples/python/slugify --patch examples/python/slugify/fix.diff --json

      gauntlet check examples/python/slugify --backend docker --base-image gauntlet-base:trixie
    """
    from harness.evaluate import CheckOptions, check
    from harness.rewards import reward_for

    patch_text = None
    if patch is not None:
        if not patch.is_file():
            raise UsageError(f"patch file not found: {patch}")
        patch_text = patch.read_bytes().decode("utf-8", errors="replace")  # NUL bytes survive: refused as binary
    if offline and network:
        raise UsageError("--offline and --network contradict each other: pick one")
    if base_image and backend == "local":
        raise UsageError("--base-image applies to images: use it with --backend docker")
    options = CheckOptions(
        language=language, backend=backend, patch=patch_text, selection=select or None,
        lint=lint, timeout=timeout, network=network, offline=offline, base_image=base_image,
    )
    try:
        outcome = check(path, options)
    except ValueError as e:  # an unknown backend name, as every ValueError out of check: bad input
        raise UsageError(str(e)) from e
    reward = reward_for(outcome, {"language": outcome.language, "kind": "repository"})
    if as_json:
        print(json.dumps({"outcome": outcome.to_dict(), "reward": reward.to_dict()}, indent=2))
    else:
        render(outcome, reward)
    raise typer.Exit(exit_code(outcome))


def exit_code(outcome: Outcome) -> int:
    if outcome.infra_error:
        return EXIT_INFRA
    ok = outcome.patch_applied is not False and (outcome.build is None or outcome.build.ok)
    return EXIT_OK if ok and outcome.tests is not None and outcome.tests.passed else EXIT_FAILED


def render(outcome: Outcome, reward) -> None:
    """The outcome for a reader; what comes from tools or the code under test is escaped, never read as rich markup."""
    console.print(f"[bold]{outcome.workspace}[/bold]  language={outcome.language}  backend={outcome.backend}  ({outcome.duration:.1f}s)")
    if outcome.infra_error:
        console.print(f"[red]infrastructure error:[/red] {escape(outcome.infra_error)}")
    if outcome.patch_applied is not None:
        state = "[green]applied[/green]" if outcome.patch_applied else f"[red]not applied[/red] — {escape(str(outcome.patch_error))}"
        console.print(f"patch: {state}")
    if outcome.build is not None:
        console.print("build: " + ("[green]ok[/green]" if outcome.build.ok else "[red]failed[/red]"))
        for d in outcome.build.diagnostics[:20]:
            console.print(f"  {escape(str(d))}", highlight=False)
    if outcome.tests is not None:
        t = outcome.tests
        c = t.counts
        line = f"tests: {c['passed']} passed, {c['failed']} failed, {c['error']} errors, {c['skipped']} skipped"
        if t.timed_out:
            line += " [red](timed out)[/red]"
        console.print(line)
        if t.error:
            console.print(f"  [red]{escape(t.error)}[/red]")
        colors = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "red", Status.SKIPPED: "yellow"}
        for tid, r in sorted(t.tests.items()):
            console.print(f"  [{colors[r.status]}]{r.status.value:7}[/] {escape(tid)}", highlight=False)
    if outcome.lint is not None:
        lint = outcome.lint
        if lint.error:
            console.print(f"lint: [yellow]not run[/yellow] — {escape(lint.error)}")
        else:
            state = "[green]clean[/green]" if lint.clean else f"[yellow]{len(lint.diagnostics)} finding(s)[/yellow]"
            console.print(f"lint ({lint.tool}): {state}")
            for d in lint.diagnostics[:20]:
                console.print(f"  {escape(str(d))}", highlight=False)
    value = "none (infrastructure error)" if reward.value is None else f"{reward.value:+.2f}"
    console.print(f"reward: [bold]{value}[/bold]  ({reward.row})")
    for k, v in reward.breakdown.items():
        console.print(f"  {k}: {v}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("check")(check_cmd)
