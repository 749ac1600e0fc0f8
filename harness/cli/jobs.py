"""The ``--runner`` / ``--ray-address`` options that the job-running commands share.

``--executor`` is the runner's old name (``executor`` now means only the solution fork server):
still accepted, hidden from ``--help``, with a one-line warning.
"""

from __future__ import annotations

from typing import Optional

import typer

from harness import settings
from harness.errors import UsageError

# Help texts are rich markup (the root command's rich_markup_mode): a literal "[" is written "\\[".
RUNNER_HELP = ("Where jobs run: local (threads on this machine) or ray (tasks on a Ray cluster; "
               "pip install 'gauntlet-harness\\[ray]').")
RAY_ADDRESS_HELP = "Ray cluster address (host:port or ray://...); default: $RAY_ADDRESS, else a new local Ray."


def runner_option(help: str = RUNNER_HELP):
    return typer.Option("local", "--runner", help=help)


def old_executor_option():
    """``--executor``, the deprecated name of ``--runner``."""
    return typer.Option(None, "--executor", hidden=True, help="Deprecated: the old name of --runner.")


def ray_address_option():
    return typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP)


def runner_name(runner: str, old_executor: Optional[str]) -> str:
    """The runner the options name; the deprecated ``--executor`` counts (with a warning) when
    ``--runner`` was left at its default."""
    if old_executor is None:
        return runner
    settings.deprecated("--executor", "--runner")
    return old_executor if runner == "local" else runner


def open_runner(runner: str, ray_address: Optional[str], workers: int = 1, old_executor: Optional[str] = None):
    """The job runner the options name: ``UsageError`` for a bad name, ``RunnerUnavailable`` (an
    infrastructure error) when Ray is missing or unreachable.  None for ``local`` (the commands keep
    their own in-process pools)."""
    from harness.jobs import RUNNERS, get_runner

    runner = runner_name(runner, old_executor)
    if runner not in RUNNERS:
        raise UsageError(f"--runner must be one of: {', '.join(RUNNERS)}")
    if ray_address and runner != "ray":
        raise UsageError("--ray-address needs --runner ray")
    if runner == "local":
        return None
    return get_runner(runner, workers, ray_address)
