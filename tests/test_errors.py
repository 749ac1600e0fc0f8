"""One error hierarchy (``harness.errors``), one CLI handler that maps it to exit codes, and the
package rule that the core never imports the trainers or the leaderboards."""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import typer
from typer.testing import CliRunner

from harness.errors import CodeFailure, GauntletError, InfraError, UsageError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["harness", "plugins", "trainers", "leaderboards"]
# Control flow inside one component, never shown to a user: not Gauntlet errors.
INTERNAL = {"_Uncached", "TimeoutException", "OutputLimitExceeded", "TestHang", "Busy",
            "CallError", "BadCall", "Refused"}  # the agent environment turns these into observations

# Every exception class of the shipped code: its kind, and the builtin that callers may still catch.
EXPECTED = {
    "harness.sandbox.base.SandboxError": (InfraError, RuntimeError),
    "harness.sandbox.jail.JailUnavailable": (InfraError, RuntimeError),
    "harness.sandbox.registry.BackendLoadError": (InfraError, RuntimeError),
    "harness.benchmarks.executor.ExecutorError": (InfraError, RuntimeError),
    "harness.jobs.JobFailed": (InfraError, RuntimeError),
    "harness.jobs.RunnerUnavailable": (InfraError, RuntimeError),
    "harness.jobs.versions.VersionMismatch": (InfraError, RuntimeError),
    "harness.benchmarks.multilang.MultiLangError": (InfraError, RuntimeError),
    "harness.plugins.PluginError": (InfraError, Exception),
    "harness.plugins.UnknownLanguage": (UsageError, LookupError),
    "harness.tasks.native.NativeToolMissing": (UsageError, RuntimeError),
    "harness.benchmarks.swebench.dataset.DatasetError": (UsageError, ValueError),
    "harness.benchmarks.livecodebench.LCBError": (UsageError, ValueError),
    "harness.benchmarks.gate.GateError": (UsageError, ValueError),
    "harness.benchmarks.humaneval.HumanEvalError": (UsageError, ValueError),
    "harness.tasks.stats.TasksFileError": (UsageError, ValueError),
    "harness.tasks.generate.GenerateError": (CodeFailure, RuntimeError),
    "trainers.stages.StageError": (UsageError, RuntimeError),
    "trainers.config.ConfigError": (UsageError, ValueError),
    "trainers.data.DataError": (UsageError, ValueError),
    "trainers.registry.RegistryError": (UsageError, ValueError),
    "leaderboards.runs.RunError": (UsageError, ValueError),
}


def _sources():
    for top in SHIPPED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "tests" in rel.parts or "__pycache__" in rel.parts:
                continue
            yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _module_name(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[0] == "plugins":  # plugins/<lang>/gauntlet_<lang>/...: importable as gauntlet_<lang>...
        parts = parts[2:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _exception_classes() -> dict[str, type]:
    """Every class of the shipped code that derives from an exception, found by reading the source
    (so that a new one cannot hide), then imported."""
    exceptions = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), BaseException)}
    exceptions |= {"GauntletError", "UsageError", "InfraError", "CodeFailure"}
    classes = []
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
                classes.append((rel, node.name, bases))
    found: dict[str, tuple[Path, str]] = {}
    while True:  # a class derived from a class derived from an exception is one too
        more = {f"{_module_name(rel)}.{name}": (rel, name) for rel, name, bases in classes if exceptions & set(bases)}
        if more.keys() <= found.keys():
            break
        found.update(more)
        exceptions |= {name for _, name in more.values()}
    out = {}
    for qualname, (rel, name) in found.items():
        if qualname == "harness.errors." + name:
            continue
        module = importlib.import_module(_module_name(rel))
        out[qualname] = getattr(module, name)
    return out


def test_every_exception_of_the_shipped_code_is_a_gauntlet_error_of_one_kind():
    classes = _exception_classes()
    public = {q: c for q, c in classes.items() if c.__name__ not in INTERNAL}
    assert set(public) == set(EXPECTED), "a new exception class needs its kind here (and in harness.errors' terms)"
    for qualname, cls in public.items():
        kind, builtin = EXPECTED[qualname]
        assert issubclass(cls, GauntletError) and issubclass(cls, kind) and issubclass(cls, builtin), qualname
        assert sum(issubclass(cls, k) for k in (UsageError, InfraError, CodeFailure)) == 1, qualname
    for qualname, cls in classes.items():
        if cls.__name__ in INTERNAL:
            assert not issubclass(cls, GauntletError), qualname


def test_exit_codes_of_the_kinds_and_the_old_import_paths():
    assert (UsageError.exit_code, InfraError.exit_code, CodeFailure.exit_code) == (2, 3, 1)
    from harness.benchmarks.swebench import instance
    from harness.evaluate import UsageError as OldUsageError

    assert OldUsageError is UsageError and instance.InfraError is InfraError
    assert issubclass(InfraError, RuntimeError)  # what `except RuntimeError` caught before still is


# -- the CLI's one handler -----------------------------------------------------------------------


def _app_raising(error: BaseException) -> typer.Typer:
    from harness.cli import GauntletGroup

    app = typer.Typer(cls=GauntletGroup)

    @app.command()
    def boom() -> None:
        raise error

    @app.command()
    def fine() -> None:
        print("ok")

    return app


@pytest.mark.parametrize("error,code,prefix", [
    (UsageError("bad input"), 2, "error: bad input"),
    (InfraError("the sandbox fell over"), 3, "infrastructure error: the sandbox fell over"),
    (CodeFailure("the clean repository does not build"), 1, "error: the clean repository does not build"),
])
def test_the_handler_maps_kinds_to_exit_codes_with_one_line(error, code, prefix):
    r = CliRunner().invoke(_app_raising(error), ["boom"])
    assert r.exit_code == code and isinstance(r.exception, SystemExit)
    assert r.output.strip() == prefix and "Traceback" not in r.output


def test_the_handler_prints_rich_markup_verbatim():
    from harness.sandbox import SandboxError

    message = "the Docker backend needs the docker SDK: pip install 'gauntlet-harness[docker]' ([bold]really[/bold])"
    r = CliRunner().invoke(_app_raising(SandboxError(message)), ["boom"])
    assert r.exit_code == 3 and r.output.strip() == f"infrastructure error: {message}"


def test_other_exceptions_are_not_swallowed():
    r = CliRunner().invoke(_app_raising(KeyError("bug")), ["boom"])
    assert r.exit_code == 1 and isinstance(r.exception, KeyError)


def _gauntlet(*args, env=None):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, **(env or {})})


def test_the_command_exits_2_on_usage_errors_without_a_traceback():
    r = _gauntlet("check", "no/such/dir")
    assert r.returncode == 2 and r.stderr.startswith("error: workspace does not exist: no/such/dir")
    assert "Traceback" not in r.stderr + r.stdout
    assert _gauntlet("check").returncode == 2  # click's own usage errors keep exit 2
    assert _gauntlet("--no-such-option").returncode == 2


def test_the_command_exits_3_on_infrastructure_errors_and_keeps_brackets(tmp_path):
    fake = tmp_path / "docker"  # a docker SDK that cannot be imported
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('no docker SDK here')\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    r = _gauntlet("images", "list", env={"PYTHONPATH": path})
    assert r.returncode == 3, r.stderr
    assert r.stderr.strip() == "infrastructure error: the Docker backend needs the docker SDK: pip install 'gauntlet-harness[docker]'"


# -- the package rule ----------------------------------------------------------------------------


def test_the_core_imports_neither_trainers_nor_leaderboards():
    offenders = []
    for rel, tree in _sources():
        if rel.parts[0] != "harness":
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{rel}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in ("trainers", "leaderboards")]
    assert offenders == []


def test_the_leaderboard_command_comes_through_the_entry_point_group():
    from harness.cli import BUNDLED_ENTRY_POINTS, ENTRY_POINTS, app

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][ENTRY_POINTS]
    assert declared["leaderboard"] == "leaderboards.cli:register"
    # the fallback for installs made before the entry point existed names exactly what pyproject declares
    assert all(declared[name] == value for name, value in BUNDLED_ENTRY_POINTS.items())
    assert "leaderboard" in {g.name for g in app.registered_groups}


# -- library functions under the commands raise the same kinds -----------------------------------


def test_swebench_plan_resolves_what_the_command_resolved(tmp_path):
    from harness.benchmarks.swebench.plan import plan

    rows = [{"instance_id": f"o__r-{n}", "repo": "o/r", "base_commit": "c", "patch": "p", "test_patch": "t",
             "FAIL_TO_PASS": ["a"], "PASS_TO_PASS": [], "log_parser": "gauntlet", "repos_dir": str(tmp_path / "store")}
            for n in (1, 2)]
    dataset = tmp_path / "tasks.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    p = plan(str(dataset), gold=True, instance_ids=["o__r-2"])
    assert (p.mode, p.backend, p.repos, p.label) == ("own", "local", tmp_path / "store", "gold")
    assert [i["instance_id"] for i in p.instances] == ["o__r-2"] and set(p.predictions) == {"o__r-2"}
    with pytest.raises(UsageError, match="exactly one of"):
        plan(str(dataset), gold=True, empty=True)
    with pytest.raises(UsageError, match="official images run only under --backend docker"):
        plan(str(dataset), gold=True, mode="official", backend="local")
    with pytest.raises(UsageError, match="no instance matches"):
        plan(str(dataset), gold=True, languages=["cobol"])
    with pytest.raises(UsageError):  # a DatasetError
        plan(str(tmp_path / "missing.jsonl"), gold=True)


def test_task_generation_source(tmp_path):
    from harness.tasks.source import project_source

    assert project_source(str(tmp_path)) == (tmp_path, f"local/{tmp_path.name}")
    assert project_source(str(tmp_path), "me/proj") == (tmp_path, "me/proj")
    with pytest.raises(UsageError, match="repository not found"):
        project_source(str(tmp_path / "nope"))
