"""The ``--executor`` / ``--ray-address`` options that the job-running commands share."""

from __future__ import annotations

from typing import Optional

import typer

from harness.errors import UsageError

# Help texts are rich markup (the root command's rich_markup_mode): a literal "[" is written "\\[".
EXECUTOR_HELP = ("Where jobs run: local (threads on this machine) or ray (tasks on a Ray cluster; "
                 "pip install 'gauntlet\\[ray]').")
RAY_ADDRESS_HELP = "Ray cluster address (host:port or ray://...); default: $RAY_ADDRESS, else a new local Ray."


def executor_option():
    return typer.Option("local", "--executor", help=EXECUTOR_HELP)


def ray_address_option():
    return typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP)


def open_jobs(executor: str, ray_address: Optional[str], workers: int = 1):
    """The job executor the options name: ``UsageError`` for a bad name, ``ExecutorUnavailable`` (an
    infrastructure error) when Ray is missing or unreachable.  None for ``local`` (the commands keep
    their own in-process pools)."""
    from harness.jobs import EXECUTORS, get_executor

    if executor not in EXECUTORS:
        raise UsageError(f"--executor must be one of: {', '.join(EXECUTORS)}")
    if ray_address and executor != "ray":
        raise UsageError("--ray-address needs --executor ray")
    if executor == "local":
        return None
    return get_executor(executor, workers, ray_address)
