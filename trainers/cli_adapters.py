"""``gauntlet adapters list|promote|route``: the adapter registry from the command line (no ML
libraries needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from trainers.registry import DEFAULT_PATH

app = typer.Typer(help="The per-language adapter registry: list, promote (gated), route a prompt.",
                  no_args_is_help=True, add_completion=False)
_REGISTRY = typer.Option(DEFAULT_PATH, "--registry", help="Registry file (YAML).")


def _load(path: Path):
    from rich.console import Console
    from rich.markup import escape

    from trainers.registry import Registry, RegistryError

    try:
        return Registry.load(path)
    except RegistryError as e:
        Console().print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None


@app.command("list")
def list_(registry: Path = _REGISTRY, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every registered adapter with its stage, status and metrics."""
    from rich.console import Console
    from rich.table import Table

    reg = _load(registry)
    if as_json:
        print(json.dumps({"base_model": reg.base_model, "default_adapter": reg.default_adapter, "adapters": reg.adapters}))
        return
    table = Table(title=f"{registry} (default: {reg.default_adapter or '-'})")
    for col in ("language", "id", "stage", "status", "gates", "metrics", "path"):
        table.add_column(col)
    for lang in sorted(reg.adapters):
        for e in reg.adapters[lang]:
            gates = e.get("gates") or {}
            passed = sum(bool(g.get("passed")) for g in gates.values())
            table.add_row(lang, e["id"], e.get("stage", ""), e["status"], f"{passed}/{len(gates)} passed",
                          ", ".join(f"{k}={v}" for k, v in (e.get("eval_metrics") or {}).items()), e["path"])
    Console().print(table)


@app.command()
def promote(language: str = typer.Argument(...), id: Optional[str] = typer.Option(None, "--id", help="Version (default: newest)."),
            registry: Path = _REGISTRY) -> None:
    """Make an adapter the language's production adapter (its gates must all have passed); the previous one is retired."""
    from rich.console import Console
    from rich.markup import escape

    from trainers.registry import RegistryError

    reg = _load(registry)
    try:
        entry = reg.promote(language, id)
    except RegistryError as e:
        Console().print(f"[red]not promoted:[/red] {escape(str(e))}")
        raise typer.Exit(1) from None
    reg.save()
    Console().print(f"{entry['id']} is now production for {language}")


@app.command()
def route(prompt_file: Path = typer.Option(..., "--prompt-file", help="The prompt (an issue, a task) as a text file."),
          language: Optional[str] = typer.Option(None, "--language", help="Skip detection."),
          workspace: Optional[Path] = typer.Option(None, "--workspace", help="A checkout: the plugins detect its language."),
          registry: Path = _REGISTRY, as_json: bool = typer.Option(False, "--json")) -> None:
    """Which production adapter would answer this prompt, and why."""
    from trainers.router import route as pick

    if not prompt_file.is_file():
        raise typer.BadParameter(f"not a file: {prompt_file}", param_hint="--prompt-file")
    lang, entry, why = pick(prompt_file.read_text(errors="replace"), _load(registry), language, workspace)
    result = {"language": lang, "adapter": entry["id"] if entry else None, "path": entry["path"] if entry else None, "why": why}
    print(json.dumps(result) if as_json else f"{lang or '-'}: {result['path'] or 'no production adapter'} ({why})")
    raise typer.Exit(0 if entry else 1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="adapters")
