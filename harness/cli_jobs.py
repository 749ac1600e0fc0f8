"""The ``--executor`` / ``--ray-address`` options that the job-running commands share."""

from __future__ import annotations

from typing import Optional

import typer

EXECUTOR_HELP = ("Where jobs run: local (threads on this machine) or ray (tasks on a Ray cluster; "
                 "pip install 'gauntlet[ray]').")
RAY_ADDRESS_HELP = "Ray cluster address (host:port or ray://...); default: $RAY_ADDRESS, else a new local Ray."


def executor_option():
    return typer.Option("local", "--executor", help=EXECUTOR_HELP)


def ray_address_option():
    return typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP)


def open_jobs(executor: str, ray_address: Optional[str], workers: int = 1):
    """The job executor the options name; exits 2 for a bad name, 3 when Ray is missing or unreachable.
    Returns None for ``local`` (the commands keep their own in-process pools)."""
    from harness.cli import EXIT_INFRA, err, fail_usage
    from harness.jobs import EXECUTORS, ExecutorUnavailable, get_executor

    if executor not in EXECUTORS:
        fail_usage(f"--executor must be one of: {', '.join(EXECUTORS)}")
    if ray_address and executor != "ray":
        fail_usage("--ray-address needs --executor ray")
    if executor == "local":
        return None
    try:
        return get_executor(executor, workers, ray_address)
    except ExecutorUnavailable as e:
        err.print(f"[red]infrastructure error:[/red] {e}")
        raise typer.Exit(EXIT_INFRA) from e
