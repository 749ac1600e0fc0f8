"""Distribution names: the core is `gauntlet-harness` (PyPI's `gauntlet` is another project), every
plugin depends on it with a version range, and the bundled data files are part of the wheel; the
README's two commands exist and CI runs the test one; Ray is pinned to the range the tests ran on."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def test_core_distribution_name_and_extras():
    core = _project(ROOT / "pyproject.toml")
    assert core["name"] == "gauntlet-harness" and core["scripts"]["gauntlet"] == "harness.cli:main"
    assert all(e.startswith("gauntlet-harness[") for e in core["optional-dependencies"]["all"])


def test_every_plugin_depends_on_the_core_with_a_version_range():
    plugins = sorted((ROOT / "plugins").glob("*/pyproject.toml"))
    assert len(plugins) == 4
    for path in plugins:
        deps = _project(path)["dependencies"]
        core = [d for d in deps if d.startswith("gauntlet")]
        assert len(core) == 1 and re.fullmatch(r"gauntlet-harness>=[\d.]+,<[\d.]+", core[0]), (path, core)


def test_trainer_configs_ship_in_the_wheel():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "configs/*.toml" in data["trainers"] and list((ROOT / "trainers" / "configs").glob("*.toml"))


def test_the_readme_first_screen_gives_the_two_commands_and_ci_runs_the_test_one():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "bash scripts/quickstart.sh" in first_screen and "bash scripts/test.sh" in first_screen
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert ci[-1] == "bash scripts/test.sh"
    assert "gauntlet check" in (ROOT / "scripts" / "quickstart.sh").read_text()
    assert "python -m pytest" in (ROOT / "scripts" / "test.sh").read_text()


def test_the_ray_extra_is_pinned_to_a_tested_range():
    (ray,) = _project(ROOT / "pyproject.toml")["optional-dependencies"]["ray"]
    assert re.fullmatch(r"ray>=2\.\d+,<2\.\d+", ray), ray
