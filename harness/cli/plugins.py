"""``gauntlet plugins``: the installed language plugins."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from harness.cli.output import console


def plugins(as_json: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """List installed plugins: name, version, languages, hooks implemented (and broken ones)."""
    from harness.plugins import get_plugin_manager

    infos = get_plugin_manager().infos
    if as_json:
        print(json.dumps([vars(i) for i in infos], indent=2))
        return
    if not infos:
        console.print("No plugins installed. Try: pip install -e plugins/python")
        return
    table = Table("plugin", "version", "languages", "hooks", "status")
    for i in infos:
        hooks = ", ".join(h.removeprefix("gauntlet_") for h in i.hooks)
        status = f"[red]broken: {escape(i.error)}[/red]" if i.error else "[green]ok[/green]"
        table.add_row(i.distribution or i.name, i.version or "-", ", ".join(i.languages) or "-", hooks, status)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(plugins)
