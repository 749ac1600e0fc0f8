"""``gauntlet serve-env`` (agent episodes over HTTP) and ``gauntlet serve-env-mcp`` (the same tools over MCP)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer


def _options(backend: str, max_steps: int, max_seconds: float, trajectories: Optional[Path], network: bool,
             fetch_deps: bool):
    from harness.env import EpisodeOptions

    return EpisodeOptions(backend=backend, max_steps=max_steps, max_seconds=max_seconds, network=network,
                          fetch_deps=fetch_deps, trajectory=str(trajectories) if trajectories else None)


BACKEND = typer.Option("local", "--backend", "-b", help="Where the agent's code runs: local (the bubblewrap jail) or docker.")
MAX_STEPS = typer.Option(50, help="Tool calls per episode; at the limit the episode is submitted.")
MAX_SECONDS = typer.Option(1800.0, help="Wall time per episode; past it the next call submits.")
TRAJECTORIES = typer.Option(None, "--trajectories", help="Append every closed episode to this JSONL file.")
NETWORK = typer.Option(False, "--network", help="Let the agent's commands reach the network (off by default).")
FETCH_DEPS = typer.Option(False, "--fetch-deps", help="Build each task once with network first (npm, cargo, go modules).")
REPOS = typer.Option(None, "--repos", help="Repository cache / task store for SWE-format instances without repos_dir.")


def serve_env(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8100, help="Port (0: any free port)."),
    max_episodes: int = typer.Option(64, help="Episodes open at once; one more is answered 503."),
    idle_timeout: float = typer.Option(600.0, help="Seconds without a call after which an episode is closed and its sandbox reclaimed."),
    task_root: Optional[List[Path]] = typer.Option(None, "--task-root", help="Only repository tasks under these directories (repeatable)."),
    backend: str = BACKEND, max_steps: int = MAX_STEPS, max_seconds: float = MAX_SECONDS,
    trajectories: Optional[Path] = TRAJECTORIES, network: bool = NETWORK, fetch_deps: bool = FETCH_DEPS,
    repos: Optional[Path] = REPOS,
) -> None:
    """Serve agent episodes over HTTP: create, step (tool calls), close; many at once, bounded.

    Example: gauntlet serve-env --port 8100 --trajectories runs/traj.jsonl, then
    curl -XPOST localhost:8100/episodes -d '{"task": {"kind": "repository", "repo": "/path", "language": "python"}}'
    """
    from harness.env.server import EpisodeManager, private_tmp, run_forever, serve

    where = private_tmp()
    manager = EpisodeManager(_options(backend, max_steps, max_seconds, trajectories, network, fetch_deps),
                             max_episodes=max_episodes, idle_timeout=idle_timeout,
                             repos_dir=str(repos) if repos else None, allowed_roots=[str(p) for p in task_root or []])
    server = serve(host, port, manager)
    # one plain JSON line (no rich wrapping): scripts read the address from it
    announce = json.dumps({"url": f"http://{host}:{server.server_address[1]}", "pid_dir": str(where)})
    run_forever(server, on_ready=lambda: print(announce, flush=True))


def serve_env_mcp(
    task: str = typer.Option(..., "--task", help="The task: JSON text, or @FILE holding it (one episode per server)."),
    backend: str = BACKEND, max_steps: int = MAX_STEPS, max_seconds: float = MAX_SECONDS,
    trajectories: Optional[Path] = TRAJECTORIES, network: bool = NETWORK, fetch_deps: bool = FETCH_DEPS,
    repos: Optional[Path] = REPOS,
) -> None:
    """Serve one episode's tools over MCP (stdio): an MCP client (an agent framework, an IDE) calls
    list_files, read_file, ..., submit; the problem statement is the resource task://problem.

    Example: gauntlet serve-env-mcp --task '{"kind": "repository", "repo": "/path", "language": "go"}'
    """
    from harness.env.mcp import run_stdio

    text = Path(task[1:]).read_text() if task.startswith("@") else task
    run_stdio(text, _options(backend, max_steps, max_seconds, trajectories, network, fetch_deps),
              repos_dir=str(repos) if repos else None)


def env_summary(
    trajectories: Path = typer.Argument(..., help="A trajectories JSONL file (serve-env --trajectories, EpisodeOptions.trajectory)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per episode instead of a table."),
    run_dir: Optional[Path] = typer.Option(
        None, "--run-dir", help="Also write the episodes as a run directory for `gauntlet leaderboard build` "
                                "(one row per instance: resolved, test runs to green, diff lines)."),
    model: Optional[str] = typer.Option(None, "--model", help="The model's name on the leaderboard (with --run-dir)."),
) -> None:
    """Per instance: resolved, reward, test runs (to green), diff lines, calls, format accuracy, seconds.

    Example: gauntlet env-summary runs/traj.jsonl --run-dir runs/agent-env/my-model --model my-model
    """
    from rich.table import Table

    from harness.cli.output import console
    from harness.env.trajectory import leaderboard_rows
    from harness.errors import UsageError

    if not trajectories.is_file():
        raise UsageError(f"no such file: {trajectories}")
    try:
        rows = leaderboard_rows(trajectories)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if run_dir is not None:
        from harness.env.trajectory import write_run

        print(f"run directory: {write_run(trajectories, run_dir, model)}", file=sys.stderr)
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    table = Table("task", "language", "resolved", "reward", "test runs", "to green", "diff lines", "calls", "format", "s")
    for r in rows:
        table.add_row(r["task_id"], r["language"], str(r["resolved"]), str(r["reward"]), str(r["test_runs"]),
                      str(r["test_runs_to_green"]), str(r["diff_lines"]), str(r["calls"]), f"{r['format_accuracy']:.2f}",
                      str(r["seconds"]))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("serve-env")(serve_env)
    app.command("serve-env-mcp")(serve_env_mcp)
    app.command("env-summary")(env_summary)
