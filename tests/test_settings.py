"""harness.settings: the one reader of GAUNTLET_* variables, its parsing, and docs/settings.md."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import settings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_PY = ROOT / "harness" / "settings.py"
NAME = re.compile(r"(?<![A-Za-z0-9_])GAUNTLET_[A-Z0-9_]+")
# Mentioned in shipped code without being environment variables.
NOT_VARIABLES = {"GAUNTLET_PARSER"}  # a Python constant: the log_parser name of Gauntlet's own tasks


def shipped_sources() -> list[Path]:
    """The code that ships: the core, the plugins' packages (not their tests), trainers, leaderboards."""
    files = [*(ROOT / "harness").rglob("*.py"), *(ROOT / "trainers").rglob("*.py"), *(ROOT / "leaderboards").rglob("*.py")]
    files += [f for pkg in (ROOT / "plugins").glob("*/gauntlet_*") for f in pkg.rglob("*.py")]
    return sorted(files)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _exported(tree: ast.AST) -> set[int]:
    """The names given to ``settings.export(NAME, value)``: a CLI option setting a variable for workers."""
    return {id(n.args[0]) for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
            and isinstance(n.func, ast.Attribute) and n.func.attr == "export"
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "settings"}


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module's code (docstrings and ``settings.export`` names left out), with its line."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree) | _exported(tree)
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


def test_docs_match_the_registry():
    committed = (ROOT / "docs" / "settings.md").read_text()
    assert committed == settings.markdown(), "docs/settings.md is stale: python -m harness.settings > docs/settings.md"
    out = subprocess.run([sys.executable, "-m", "harness.settings"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout == committed


def test_only_the_settings_module_reads_gauntlet_variables():
    """No shipped module but harness/settings.py names a GAUNTLET_ variable as a value in its code
    (``os.environ.get("GAUNTLET_X")``, ``env_list("GAUNTLET_X")``, a tuple of names to copy...);
    only ``settings.export("GAUNTLET_X", ...)`` and the variables Gauntlet sets for the programs it
    runs may appear there."""
    sources = shipped_sources()
    assert SETTINGS_PY in sources and len(sources) > 50
    offenders = [f"{path.relative_to(ROOT)}:{line}: {value}"
                 for path in sources if path != SETTINGS_PY
                 for line, value in _code_strings(path)
                 if NAME.fullmatch(value) and value not in settings.PROVIDED]
    assert not offenders, "read these through harness.settings:\n" + "\n".join(offenders)


def test_every_variable_mentioned_is_documented():
    known = set(settings.BY_NAME) | set(settings.PROVIDED) | NOT_VARIABLES
    unknown = {f"{path.relative_to(ROOT)}: {name}" for path in shipped_sources()
               for name in NAME.findall(path.read_text()) if name not in known}
    assert not unknown, "add these to harness/settings.py:\n" + "\n".join(sorted(unknown))


def test_every_setting_has_its_reader_and_a_full_entry():
    read = {value for _, value in _code_strings(SETTINGS_PY) if NAME.fullmatch(value)}
    for s in settings.SETTINGS:
        assert s.name in read, f"{s.name} is registered but no function reads it"
        assert s.audience in settings.AUDIENCES and s.kind and s.default and s.doc and "\n" not in s.doc
    assert len(settings.BY_NAME) == len(settings.SETTINGS)
    assert not set(settings.BY_NAME) & set(settings.PROVIDED)


@pytest.fixture
def clean_env(monkeypatch):
    for name in settings.BY_NAME:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env, tmp_path):
    clean_env.setenv("HOME", str(tmp_path))
    assert settings.cache_dir() == tmp_path / ".cache" / "gauntlet"
    assert settings.only_plugins() is None and settings.disabled_plugins() == set()
    assert settings.passenv() == [] and settings.jail_bind() == []
    assert settings.unsafe_host() is False and settings.trace() is False
    assert settings.base_image() is None and settings.image_registry() is None
    assert settings.ca_bundle() == Path(settings.DEFAULT_CA)
    assert (settings.docker_pool(), settings.docker_pool_total()) == (4, 16)
    assert settings.runner() == "local" and settings.ray_address() is None
    assert settings.docker_agent() and settings.python_warm() and settings.rust_schemata()
    assert settings.forwarded() == {}


def test_overrides(clean_env, tmp_path):
    for name, value in {"GAUNTLET_CACHE_DIR": str(tmp_path), "GAUNTLET_PLUGINS": " python, rust ,,",
                        "GAUNTLET_DISABLE_PLUGINS": "go", "GAUNTLET_PASSENV": "A,,B", "GAUNTLET_JAIL_BIND": "/opt/a::/opt/b",
                        "GAUNTLET_DOCKER_POOL": "0", "GAUNTLET_DOCKER_POOL_TOTAL": "3", "GAUNTLET_RUNNER": "ray",
                        "GAUNTLET_BASE_IMAGE": "base:1", "GAUNTLET_IMAGE_REGISTRY": "reg:5000/"}.items():
        clean_env.setenv(name, value)
    assert settings.cache_dir() == tmp_path
    assert settings.only_plugins() == {"python", "rust"} and settings.disabled_plugins() == {"go"}
    assert settings.passenv() == ["A", "B"] and settings.jail_bind() == ["/opt/a", "/opt/b"]
    assert (settings.docker_pool(), settings.docker_pool_total()) == (0, 3)
    assert settings.runner() == "ray"
    assert settings.forwarded() == {"GAUNTLET_BASE_IMAGE": "base:1", "GAUNTLET_IMAGE_REGISTRY": "reg:5000/"}


def test_old_executor_variable_still_names_the_runner_with_a_warning(clean_env, capsys, monkeypatch):
    """GAUNTLET_EXECUTOR was the runner's name before ``executor`` came to mean only the fork server."""
    monkeypatch.setattr(settings, "_warned", set())
    clean_env.setenv("GAUNTLET_EXECUTOR", "ray")
    assert settings.runner() == "ray" and settings.runner() == "ray"
    err = capsys.readouterr().err
    assert err.count("GAUNTLET_EXECUTOR is deprecated; use GAUNTLET_RUNNER") == 1
    clean_env.setenv("GAUNTLET_RUNNER", "local")
    assert settings.runner() == "local"  # the new name wins


def test_flags_and_empty_values(clean_env):
    """Each flag keeps the parsing its call site always had: set-but-empty and "0" differ by flag."""
    clean_env.setenv("GAUNTLET_PLUGINS", "")
    assert settings.only_plugins() == set()  # set but empty: load no plugin
    for value, unsafe in (("", False), ("0", False), ("1", True), ("yes", True)):
        clean_env.setenv("GAUNTLET_UNSAFE_HOST", value)
        assert settings.unsafe_host() is unsafe
    for value, on in (("", False), ("0", True), ("1", True)):
        clean_env.setenv("GAUNTLET_TRACE", value)
        assert settings.trace() is on
    for value, on in (("", True), ("0", False), ("1", True)):
        for name, read in (("GAUNTLET_DOCKER_AGENT", settings.docker_agent), ("GAUNTLET_PYTHON_WARM", settings.python_warm),
                           ("GAUNTLET_RUST_SCHEMATA", settings.rust_schemata)):
            clean_env.setenv(name, value)
            assert read() is on, (name, value)
    clean_env.setenv("GAUNTLET_CACHE_DIR", "")
    assert settings.cache_dir().name == "gauntlet"
    clean_env.setenv("GAUNTLET_BASE_IMAGE", "")
    assert settings.base_image() is None and settings.forwarded() == {}


def test_bad_integer_names_the_variable(clean_env):
    clean_env.setenv("GAUNTLET_DOCKER_POOL", "four")
    with pytest.raises(ValueError, match="GAUNTLET_DOCKER_POOL must be an integer"):
        settings.docker_pool()


def test_export_sets_the_environment_for_workers(clean_env):
    clean_env.setenv("GAUNTLET_UNSAFE_HOST", "0")  # so that the fixture restores it afterwards
    assert not settings.unsafe_host()
    settings.export("GAUNTLET_UNSAFE_HOST", "1")
    assert settings.unsafe_host()
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ['GAUNTLET_UNSAFE_HOST'])"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    with pytest.raises(KeyError, match="not a Gauntlet setting"):
        settings.export("GAUNTLET_NO_SUCH_THING", "1")
