"""``gauntlet plugins``: the installed language plugins and sandbox backends."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from harness.cli.output import console


def plugins(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document (a list)."),
    backends: bool = typer.Option(False, "--backends", help="List the sandbox backends instead of the plugins."),
) -> None:
    """List installed plugins: name, version, languages, hooks implemented (and broken ones), then the
    sandbox backends: name, where from (built in, or the distribution whose entry point registers it).

    Examples:

      gauntlet plugins --json

      gauntlet plugins --backends --json
    """
    from harness.plugins import get_plugin_manager

    if backends:
        _list_backends(as_json)
        return
    infos = get_plugin_manager().infos
    if as_json:
        print(json.dumps([vars(i) for i in infos], indent=2))
        return
    if not infos:
        console.print("No plugins installed. Try: pip install -e plugins/python")
    else:
        table = Table("plugin", "version", "languages", "hooks", "status")
        for i in infos:
            hooks = ", ".join(h.removeprefix("gauntlet_") for h in i.hooks)
            status = f"[red]broken: {escape(i.error)}[/red]" if i.error else "[green]ok[/green]"
            table.add_row(i.distribution or i.name, i.version or "-", ", ".join(i.languages) or "-", hooks, status)
        console.print(table)
    _list_backends(False)


def _list_backends(as_json: bool) -> None:
    """Each backend is imported (not started), so that a broken one shows why, as broken plugins do."""
    from harness.sandbox import BackendLoadError, backend_infos

    infos = backend_infos()
    for i in infos:
        if i.error is None:
            try:
                i.load()
            except BackendLoadError as e:
                i.error = str(e)
    if as_json:
        print(json.dumps([i.to_dict() for i in infos], indent=2))
        return
    table = Table("backend", "from", "object", "status")
    for i in infos:
        status = f"[red]{escape(i.error)}[/red]" if i.error else "[green]ok[/green]"
        table.add_row(i.name, i.origin, i.object, status)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(plugins)
