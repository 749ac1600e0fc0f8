"""The ``gauntlet`` command line.

Exit codes (every command): 0 ok; 1 evaluated, but the code failed (tests fail, build fails, patch
does not apply); 2 usage error (bad path, unknown language, bad option); 3 infrastructure error
(the sandbox or a tool of the harness failed, not the code under test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from harness import __version__, settings
from harness.evaluate import CheckOptions, UsageError, check
from harness.outcome import Outcome, Status
from harness.plugins import get_plugin_manager
from harness.rewards import reward_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
EXIT_CODES_HELP = "Exit codes: 0 ok, 1 evaluated but failed, 2 usage error, 3 infrastructure error."

app = typer.Typer(
    help=f"Gauntlet: run model-written code in a sandbox and score what happened.\n\n{EXIT_CODES_HELP}",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err = Console(stderr=True)


def fail_usage(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_USAGE)


@app.callback(invoke_without_command=True)
def _main(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    unsafe_host: bool = typer.Option(
        False, "--unsafe-host",
        help="Run the local backend and the solution executor without their jail: the code sees the host's files "
             "and runs as your user. Only for code you trust; recorded in every result's protections and in run "
             "manifests. Same as GAUNTLET_UNSAFE_HOST=1."),
) -> None:
    if version:
        console.print(f"gauntlet {__version__}")
        raise typer.Exit()
    if unsafe_host:
        # An environment variable, so that worker processes (Ray jobs, process pools) see it too.
        settings.export("GAUNTLET_UNSAFE_HOST", "1")
        err.print("warning: --unsafe-host: untrusted code would run with your user's access to this machine")


@app.command()
def plugins(as_json: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """List installed plugins: name, version, languages, hooks implemented (and broken ones)."""
    pm = get_plugin_manager()
    infos = pm.infos
    if as_json:
        print(json.dumps([vars(i) for i in infos], indent=2))
        return
    if not infos:
        console.print("No plugins installed. Try: pip install -e plugins/python")
        return
    table = Table("plugin", "version", "languages", "hooks", "status")
    for i in infos:
        hooks = ", ".join(h.removeprefix("gauntlet_") for h in i.hooks)
        status = f"[red]broken: {i.error}[/red]" if i.error else "[green]ok[/green]"
        table.add_row(i.distribution or i.name, i.version or "-", ", ".join(i.languages) or "-", hooks, status)
    console.print(table)


@app.command("check")
def check_cmd(
    path: Path = typer.Argument(..., help="The project directory to evaluate."),
    patch: Optional[Path] = typer.Option(None, "--patch", "-p", help="A unified diff (git style or plain) to apply first."),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="Language plugin to use (default: detected)."),
    backend: str = typer.Option("local", "--backend", "-b", help="Sandbox backend: local (default) or docker."),
    select: Optional[list[str]] = typer.Option(None, "--test", "-t", help="Run only this test id (repeatable)."),
    timeout: float = typer.Option(600.0, help="Seconds allowed per step (build, tests, lint)."),
    lint: bool = typer.Option(True, help="Run the linter."),
    network: bool = typer.Option(False, help="Give the sandbox network access (off by default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome and reward as one JSON document."),
) -> None:
    """Build, test and lint a project (optionally after applying a patch) and print the reward.

    Examples:

      gauntlet check examples/python/slugify

      gauntlet check examples/python/slugify --patch examples/python/slugify/fix.diff --json
    """
    patch_text = None
    if patch is not None:
        if not patch.is_file():
            fail_usage(f"patch file not found: {patch}")
        patch_text = patch.read_bytes().decode("utf-8", errors="replace")  # NUL bytes survive: refused as binary
    options = CheckOptions(
        language=language, backend=backend, patch=patch_text, selection=select or None,
        lint=lint, timeout=timeout, network=network,
    )
    try:
        outcome = check(path, options)
    except (UsageError, ValueError) as e:
        fail_usage(str(e))
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
    console.print(f"[bold]{outcome.workspace}[/bold]  language={outcome.language}  backend={outcome.backend}  ({outcome.duration:.1f}s)")
    if outcome.infra_error:
        console.print(f"[red]infrastructure error:[/red] {outcome.infra_error}")
    if outcome.patch_applied is not None:
        state = "[green]applied[/green]" if outcome.patch_applied else f"[red]not applied[/red] — {outcome.patch_error}"
        console.print(f"patch: {state}")
    if outcome.build is not None:
        console.print("build: " + ("[green]ok[/green]" if outcome.build.ok else "[red]failed[/red]"))
        for d in outcome.build.diagnostics[:20]:
            console.print(f"  {d}", highlight=False)
    if outcome.tests is not None:
        t = outcome.tests
        c = t.counts
        line = f"tests: {c['passed']} passed, {c['failed']} failed, {c['error']} errors, {c['skipped']} skipped"
        if t.timed_out:
            line += " [red](timed out)[/red]"
        console.print(line)
        if t.error:
            console.print(f"  [red]{t.error}[/red]")
        colors = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "red", Status.SKIPPED: "yellow"}
        for tid, r in sorted(t.tests.items()):
            console.print(f"  [{colors[r.status]}]{r.status.value:7}[/] {tid}", highlight=False)
    if outcome.lint is not None:
        lint = outcome.lint
        if lint.error:
            console.print(f"lint: [yellow]not run[/yellow] — {lint.error}")
        else:
            state = "[green]clean[/green]" if lint.clean else f"[yellow]{len(lint.diagnostics)} finding(s)[/yellow]"
            console.print(f"lint ({lint.tool}): {state}")
            for d in lint.diagnostics[:20]:
                console.print(f"  {d}", highlight=False)
    value = "none (infrastructure error)" if reward.value is None else f"{reward.value:+.2f}"
    console.print(f"reward: [bold]{value}[/bold]  ({reward.row})")
    for k, v in reward.breakdown.items():
        console.print(f"  {k}: {v}", highlight=False)


def main() -> None:
    app()


@app.command("serve-rewards")
def serve_rewards(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(4, help="Completions scored in parallel."),
    max_inflight: int = typer.Option(8, help="Requests scored at once."),
    max_queue: int = typer.Option(64, help="Requests waiting; beyond this the server answers 503."),
    executor: str = typer.Option("local", "--executor", help="Where completions are scored: local, or ray (a Ray cluster)."),
    backend: str = typer.Option("local", "--backend", "-b",
                                help="Where completions run: local (the bubblewrap jail) or docker (containers)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)."),
) -> None:
    """Serve rewards over HTTP in OpenRLHF's remote reward shape (POST /get_reward, GET /health).

    Example: gauntlet serve-rewards --port 8000, then in OpenRLHF: --remote_rm_url http://127.0.0.1:8000/get_reward
    """
    from harness.cli_jobs import open_jobs
    from harness.rewards.engine import EngineOptions, RewardEngine
    from harness.rewards.server import run_forever, serve

    if backend not in ("local", "docker"):
        fail_usage(f"--backend must be 'local' or 'docker', got {backend!r}")
    jobs = open_jobs(executor, ray_address)
    engine = RewardEngine(EngineOptions(workers=workers, backend=backend), jobs=jobs)
    server = serve(host, port, engine, max_inflight, max_queue)
    console.print(f"serving rewards on http://{host}:{server.server_address[1]}/get_reward (Ctrl-C stops)")
    run_forever(server)


def _register_subcommands() -> None:
    from harness import cli_images, cli_leaderboard, cli_solutions, cli_swebench, cli_tasks

    cli_images.register(app)
    cli_swebench.register(app)
    cli_tasks.register(app)
    cli_solutions.register(app)
    cli_leaderboard.register(app)
    # Commands of other import packages of the distribution (trainers) and of third parties come in
    # through an entry point group, so the core never imports them by name.
    from importlib.metadata import entry_points

    for ep in entry_points(group="gauntlet.cli"):
        try:
            ep.load()(app)
        except Exception as e:  # a broken extension must not take the whole CLI down
            print(f"gauntlet: command group {ep.name!r} from {ep.value} failed to load: {e}", file=sys.stderr)


_register_subcommands()
