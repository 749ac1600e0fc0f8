"""``gauntlet serve-rewards``: rewards over HTTP in OpenRLHF's remote reward shape."""

from __future__ import annotations

from typing import Optional

import typer

from harness.cli.jobs import old_executor_option, open_runner, runner_option
from harness.cli.output import console


def serve_rewards(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(4, help="Completions scored in parallel."),
    max_inflight: int = typer.Option(8, help="Requests scored at once."),
    max_queue: int = typer.Option(64, help="Requests waiting; beyond this the server answers 503."),
    runner_kind: str = runner_option("Where completions are scored: local, or ray (a Ray cluster)."),
    old_executor: Optional[str] = old_executor_option(),
    backend: str = typer.Option("local", "--backend", "-b",
                                help="Where completions run: local (the bubblewrap jail) or docker (containers)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)."),
) -> None:
    """Serve rewards over HTTP in OpenRLHF's remote reward shape (POST /get_reward, GET /health).

    Example: gauntlet serve-rewards --port 8000, then in OpenRLHF: --remote_rm_url http://127.0.0.1:8000/get_reward
    """
    from harness.benchmarks.solution_run import check_backend
    from harness.rewards.engine import EngineOptions, RewardEngine
    from harness.rewards.server import run_forever, serve

    check_backend(backend)
    runner = open_runner(runner_kind, ray_address, old_executor=old_executor)
    engine = RewardEngine(EngineOptions(workers=workers, backend=backend), runner=runner)
    if runner is None:
        _ = engine.executor  # started now: without a jail (or Docker) the server stops here, exit 3
    server = serve(host, port, engine, max_inflight, max_queue)
    console.print(f"serving rewards on http://{host}:{server.server_address[1]}/get_reward (Ctrl-C stops)")
    run_forever(server)


def register(app: typer.Typer) -> None:
    app.command("serve-rewards")(serve_rewards)
