"""go.work workspaces (``./...`` at their root matches no module) and the go command's flags."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gauntlet_go import gocmd

from harness.evaluate import CheckOptions, check
from harness.mutation import unified_diff
from harness.rewards import default_reward
from harness.sandbox.local import LocalBackend

if shutil.which("go") is None:
    pytest.skip(reason="the go command is not installed (PATH)", allow_module_level=True)

TEST = 'package {p}\n\nimport "testing"\n\nfunc TestOne(t *testing.T) {{\n\tif One() != 1 {{\n\t\tt.Fatal("one")\n\t}}\n}}\n'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """One workspace (so one warm GOCACHE) for every test of the file."""
    tmp_path = tmp_path_factory.mktemp("gowork")
    mp = pytest.MonkeyPatch()
    mp.setenv("GAUNTLET_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "ws"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        (root / name / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.21\n")
        (root / name / f"{name}.go").write_text(f"package {name}\n\n// One is one.\nfunc One() int {{ return 1 }}\n")
        (root / name / f"{name}_test.go").write_text(TEST.format(p=name))
    (root / "go.work").write_text("go 1.21\n\nuse (\n\t./a // first\n\t./b\n)\n")
    yield root
    mp.undo()


def test_go_work_modules_are_built_tested_and_linted(workspace):
    outcome = check(workspace, CheckOptions(language="go"))
    assert outcome.infra_error is None and outcome.build.ok
    assert {t: r.status.value for t, r in outcome.tests.tests.items()} == {"TestOne": "passed"}
    assert "example.com/a" in outcome.tests.log and "example.com/b" in outcome.tests.log
    assert outcome.lint.clean and default_reward(outcome).value == 1.0


def test_go_work_build_error_points_into_the_module(workspace):
    before = (workspace / "b/b.go").read_text()
    diff = unified_diff("b/b.go", before, before.replace("return 1", 'return "1"'))
    outcome = check(workspace, CheckOptions(language="go", patch=diff))
    [err] = outcome.build.errors
    assert (err.file, err.line) == ("b/b.go", 4) and default_reward(outcome).value == -0.3


def test_package_patterns_and_mod_flag(workspace):
    with LocalBackend().open(workspace) as session:
        assert gocmd.packages(session) == ["./a/...", "./b/..."]
        assert "-mod=mod" not in gocmd.env(session)["GOFLAGS"]  # go.work accepts no -mod=mod
    single = Path(workspace / "a")
    with LocalBackend().open(single) as session:
        assert gocmd.packages(session) == ["./..."]
        assert "-mod=mod" in gocmd.env(session)["GOFLAGS"] and gocmd.env(session)["GOPROXY"] == "off"
        session.write_file("vendor/modules.txt", "")
        assert "-mod=mod" not in gocmd.env(session)["GOFLAGS"]  # vendored: Go's default -mod=vendor
