"""``gauntlet train sft|ipo|grpo|gate``: registered into the ``gauntlet`` CLI through the
``gauntlet.cli`` entry point group, so the core never imports the trainers; the ML libraries are
imported only when a stage runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(help="Train per-language adapters: SFT -> IPO -> GRPO on QLoRA, with Gauntlet's rewards and gates. "
                       "Needs the train extra: pip install 'gauntlet\\[train]' (4-bit QLoRA also needs CUDA and bitsandbytes).",
                  no_args_is_help=True, add_completion=False)

EXIT_GATES = 1
EXIT_USAGE = 2


def _overrides(items: list[str]) -> dict:
    """``--set grpo.max_steps=10`` pairs; values are read as TOML scalars."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the same parser, from PyPI (the train extra installs it)
        import tomli as tomllib

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot:
            raise typer.BadParameter(f"--set wants SECTION.KEY=VALUE, got {item!r}")
        try:
            out[(section, name)] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[(section, name)] = value
    return out


def _record(registry_path: Path, cfg, stage: str, out: Path, stage_gates: dict, metrics: dict | None = None) -> str:
    """The adapter goes into the registry as "trained" with its gates (updated if already there)."""
    from trainers.registry import Registry

    reg = Registry.load(registry_path)
    entry = next((e for e in reg.entries(cfg.language) if e["path"] == str(out)), None)
    if entry is None or entry["status"] in ("production", "retired"):
        entry = reg.register(cfg.language, out, cfg.model, stage, metrics, stage_gates)
    else:
        entry["gates"] = stage_gates
        entry["eval_metrics"].update(metrics or {})
    reg.save()
    return entry["id"]


def _run(stage: str, config: Path, sets: list[str], as_json: bool, registry: Path) -> None:
    from rich.console import Console
    from rich.markup import escape

    from trainers.config import ConfigError, load
    from trainers.data import DataError

    console = Console()
    try:
        import peft  # noqa: F401
        import trl  # noqa: F401
    except ImportError as e:
        console.print(f"[red]error:[/red] {e.name} is not installed: pip install 'gauntlet\\[train]'")
        raise typer.Exit(EXIT_USAGE) from None
    from trainers.stages import RUNNERS, StageError

    try:
        cfg = load(config, _overrides(sets))
        result = RUNNERS[stage](cfg)
    except (ConfigError, DataError, StageError) as e:
        console.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(EXIT_USAGE) from None
    metrics = {k: v for k, v in result.extra.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    entry = _record(registry, cfg, stage, result.output, result.gates, metrics)
    _report(console, stage, result.output, result.gates, as_json,
            {"steps": result.steps, "seconds": round(result.seconds, 1), "stopped_early": result.stopped_early,
             "registry_id": entry})
    raise typer.Exit(0 if result.passed else EXIT_GATES)


def _report(console, stage: str, out: Path, stage_gates: dict, as_json: bool, extra: dict) -> None:
    from rich.table import Table

    passed = all(g["passed"] for g in stage_gates.values())
    if as_json:
        print(json.dumps({"stage": stage, "output": str(out), "passed": passed, "gates": stage_gates, **extra}))
        return
    table = Table(title=f"{stage} gates — {out}")
    for col in ("gate", "value", "threshold", "", "why"):
        table.add_column(col)
    for name, g in stage_gates.items():
        table.add_row(name, "—" if g["value"] is None else f"{g['value']:.4g}", str(g["threshold"]),
                      "[green]pass[/green]" if g["passed"] else "[red]fail[/red]", g["why"])
    console.print(table)
    if extra.get("stopped_early"):
        console.print(f"[yellow]stopped early:[/yellow] {extra['stopped_early']}")
    console.print(("[green]all gates passed[/green]" if passed else "[red]gates failed: not promotable[/red]")
                  + f" ({extra.get('steps', '?')} steps, {extra.get('seconds', '?')} s)")


_CONFIG = typer.Option(..., "--config", "-c", help="Trainer config (TOML), e.g. trainers/configs/rust.toml.")
_SET = typer.Option([], "--set", help="Override a config value: SECTION.KEY=VALUE (e.g. grpo.max_steps=10). Repeatable.")
_JSON = typer.Option(False, "--json", help="Print the gates as JSON.")
_REGISTRY = typer.Option(Path("checkpoints/adapter_registry.yaml"), "--registry",
                         help="Adapter registry to record the adapter and its gates in.")


@app.command()
def sft(config: Path = _CONFIG, set_: List[str] = _SET, as_json: bool = _JSON, registry: Path = _REGISTRY) -> None:
    """Stage 1: supervised fine-tuning on debug pairs (and trajectories). Gates: loss < 0.5, tool-call format > 95%."""
    _run("sft", config, set_, as_json, registry)


@app.command()
def ipo(config: Path = _CONFIG, set_: List[str] = _SET, as_json: bool = _JSON, registry: Path = _REGISTRY) -> None:
    """Stage 2: IPO (DPO, loss_type="ipo") on pairs ranked by Gauntlet outcomes, from the SFT adapter.
    Gates: KL < 0.5 (warn 0.3), chosen > rejected on > 80% of pairs."""
    _run("ipo", config, set_, as_json, registry)


@app.command()
def grpo(config: Path = _CONFIG, set_: List[str] = _SET, as_json: bool = _JSON, registry: Path = _REGISTRY) -> None:
    """Stage 3: GRPO with Gauntlet rewards on Gauntlet tasks, from the IPO adapter, with the sequence-length
    curriculum. Gates: mean reward (last 500 steps) > 0.3, reward std > 0.01, max reward > 0.7."""
    _run("grpo", config, set_, as_json, registry)


@app.command()
def gate(
    stage: str = typer.Argument(..., help="sft, ipo or grpo."),
    config: Path = _CONFIG,
    baseline: Optional[Path] = typer.Option(None, help="Regression suite run of the base (a `gauntlet` run directory)."),
    candidate: Optional[Path] = typer.Option(None, help="The same suite run with the adapter."),
    max_regression: float = typer.Option(0.05, help="Largest allowed relative drop on any shared benchmark."),
    as_json: bool = _JSON,
    registry: Path = _REGISTRY,
) -> None:
    """Re-check a finished stage's gates from its trainer_state.json, plus the regression gate when both runs are given.
    Exit 0 when every gate passes, 1 otherwise, 2 on bad input."""
    from rich.console import Console
    from rich.markup import escape

    from trainers import gates
    from trainers.config import STAGES, ConfigError, load

    console = Console()
    if stage not in STAGES:
        console.print(f"[red]error:[/red] stage must be one of {', '.join(STAGES)}")
        raise typer.Exit(EXIT_USAGE)
    try:
        cfg = load(config)
        out = cfg.stage_dir(stage)
        stage_gates = gates.check_run(out, stage, cfg)
        if baseline and candidate:
            stage_gates["regression"] = gates.regression_gate(baseline, candidate, max_regression)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        console.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(EXIT_USAGE) from None
    gates.write(out, stage, stage_gates)
    _record(registry, cfg, stage, out, stage_gates)
    _report(console, stage, out, stage_gates, as_json, {})
    raise typer.Exit(0 if gates.all_passed(stage_gates) else EXIT_GATES)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="train")
