"""The ``gauntlet`` command line: thin commands over library functions.

Exit codes (every command): 0 ok; 1 evaluated, but the code failed (tests fail, build fails, patch
does not apply); 2 usage error (bad path, unknown language, bad option); 3 infrastructure error
(the sandbox or a tool of the harness failed, not the code under test).

Commands raise ``harness.errors`` kinds for what goes wrong; one handler (``GauntletGroup``) turns
them into one line on stderr and the kind's exit code.  Commands live in modules named for what
they do: ``check`` and ``plugins``, ``serve`` (rewards over HTTP), ``env`` (agent episodes over HTTP and
MCP), ``solutions`` (lcb, humaneval,
gate), ``swebench``, ``tasks``, ``images``; ``jobs`` holds the options that job-running commands
share.  Other import packages (trainers, leaderboards) and third parties add commands through the
``gauntlet.cli`` entry point group.
"""

from __future__ import annotations

import sys

import typer
from rich.text import Text
from typer.core import TyperGroup

from harness import __version__, settings
from harness.cli.output import EXIT_CODES_HELP, EXIT_FAILED, EXIT_INFRA, EXIT_OK, EXIT_USAGE, console, err
from harness.errors import GauntletError, InfraError

ENTRY_POINTS = "gauntlet.cli"
# Fallback for an install whose metadata predates the leaderboard command's entry point (an editable
# install keeps the entry points of the day it was made): the bundled command is registered from its
# entry point's value, the same string pyproject.toml declares, so harness still imports nothing of
# leaderboards.  Used only when no installed entry point has that name; reinstalling makes it unused.
BUNDLED_ENTRY_POINTS = {"leaderboard": "leaderboards.cli:register"}


def report(error: GauntletError) -> int:
    """Print ``error`` as one line on stderr (its text verbatim: no rich markup, no wrapping) and
    return its exit code."""
    prefix = "infrastructure error:" if isinstance(error, InfraError) else "error:"
    err.print(Text.assemble((prefix, "red"), " ", str(error)), soft_wrap=True, highlight=False)
    return error.exit_code


class GauntletGroup(TyperGroup):
    """The root command: a ``GauntletError`` from any command or option callback ends the program with
    its one-line message and exit code, never a traceback.  Click's own usage errors keep exit 2.
    (Here rather than around ``app()`` in ``main``, so that ``CliRunner().invoke(app, ...)`` and
    ``python -m harness`` behave the same.)"""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GauntletError as e:
            raise typer.Exit(report(e)) from None


app = typer.Typer(
    cls=GauntletGroup,
    help=f"Gauntlet: run model-written code in a sandbox and score what happened.\n\n{EXIT_CODES_HELP}",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


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
    _show_progress()
    if unsafe_host:
        # An environment variable on purpose (not an argument): worker processes (Ray jobs, process
        # pools) inherit it.
        settings.export("GAUNTLET_UNSAFE_HOST", "1")
        err.print("warning: --unsafe-host: untrusted code would run with your user's access to this machine")


def main() -> None:
    app()


def _show_progress() -> None:
    """What the library says of long first steps (an image build, say) reaches the user's stderr:
    INFO and up of the ``harness`` loggers, one plain line each."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gauntlet: %(message)s"))
    logger = logging.getLogger("harness")
    if not logger.handlers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _register_commands() -> None:
    from harness.cli import check, env, images, plugins, serve, solutions, swebench, tasks

    for module in (plugins, check, serve, env, images, swebench, tasks, solutions):
        module.register(app)
    # Commands of other import packages of the distribution (trainers, leaderboards) and of third
    # parties come in through an entry point group, so the core never imports them by name.
    from importlib.metadata import EntryPoint, entry_points

    found = list(entry_points(group=ENTRY_POINTS))
    names = {ep.name for ep in found}
    found += [EntryPoint(name, value, ENTRY_POINTS) for name, value in BUNDLED_ENTRY_POINTS.items() if name not in names]
    for ep in found:
        try:
            ep.load()(app)
        except Exception as e:  # a broken extension must not take the whole CLI down
            print(f"gauntlet: command group {ep.name!r} from {ep.value} failed to load: {e}", file=sys.stderr)


_register_commands()

__all__ = ["app", "main", "report", "GauntletGroup", "console", "err", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INFRA"]
