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
    max_pending_mb: Optional[int] = typer.Option(
        None, help="Memory for waiting requests (their bodies plus 64 KiB each); beyond it the server answers 503 "
                   "with Retry-After.  Default: a quarter of the machine's memory, at most 4096."),
    request_timeout: float = typer.Option(
        150.0, help="Seconds a request waits for its scores before a 503 (OpenRLHF's client gives up at 180); "
                    "the retry joins the same scoring."),
    runner_kind: str = runner_option("Where completions are scored: local, or ray (a Ray cluster)."),
    old_executor: Optional[str] = old_executor_option(),
    backend: str = typer.Option("local", "--backend", "-b",
                                help="Where completions run: local (the bubblewrap jail) or docker (containers)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)."),
) -> None:
    """Serve rewards over HTTP in OpenRLHF's remote reward shape (POST /get_reward, GET /health, GET /metrics).

    OpenRLHF 0.10.2 and later: --reward.remote_url http://127.0.0.1:8000/get_reward --data.label_key gauntlet_task

    (before 0.10.2: --remote_rm_url and --label_key; the label column holds the task as JSON text).

    A sample without a reward (infrastructure failure, empty label) gets 0.0, a NaN score and gauntlet_infra=1.

    Each is logged on stderr and counted in /health and /metrics.
    """
    from harness.benchmarks.solution_run import check_backend
    from harness.rewards.engine import EngineOptions, RewardEngine
    from harness.rewards.server import run_forever, serve

    check_backend(backend)
    runner = open_runner(runner_kind, ray_address, old_executor=old_executor)
    engine = RewardEngine(EngineOptions(workers=workers, backend=backend), runner=runner)
    if runner is None:
        _ = engine.executor  # started now: without a jail (or Docker) the server stops here, exit 3
    server = serve(host, port, engine, max_pending_mb << 20 if max_pending_mb else None, request_timeout)
    console.print(f"serving rewards on http://{host}:{server.server_address[1]}/get_reward (Ctrl-C stops)")
    run_forever(server)


def register(app: typer.Typer) -> None:
    app.command("serve-rewards")(serve_rewards)
