"""The `gauntlet` command end to end on the bundled example: outputs, JSON, exit codes, bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python" / "slugify"


def gauntlet(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(autouse=True)
def needs_python_plugin():
    from harness.plugins import PluginManager

    if "python" not in PluginManager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")


def test_plugins_lists_python_with_its_hooks():
    r = gauntlet("plugins", "--json")
    assert r.returncode == 0
    py = next(p for p in json.loads(r.stdout) if p["languages"] == ["python"])
    assert py["distribution"] == "gauntlet-python" and py["version"].startswith("0.")
    assert {"gauntlet_build", "gauntlet_test", "gauntlet_lint", "gauntlet_mutate", "gauntlet_image"} <= set(py["hooks"])


def test_check_json_with_fix_patch():
    r = gauntlet("check", EXAMPLE, "--patch", EXAMPLE / "fix.diff", "--json", "--backend", "local")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["reward"]["value"] == 1.0 and doc["outcome"]["backend"] == "local"
    assert doc["outcome"]["tests"]["tests"]["tests/test_slugify.py::test_strips_punctuation"]["status"] == "passed"


def test_check_without_fix_exits_1_and_names_failures():
    r = gauntlet("check", EXAMPLE)
    assert r.returncode == 1
    assert "failed  tests/test_slugify.py::test_strips_punctuation" in r.stdout and "+0.10" in r.stdout


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["check", "no/such/dir"], 2, "does not exist"),
        (["check", EXAMPLE, "--patch", "no-such.diff"], 2, "patch file not found"),
        (["check", EXAMPLE, "--language", "cobol"], 2, "no plugin for language 'cobol'"),
        (["check", EXAMPLE, "--backend", "nope"], 2, "unknown sandbox backend"),
    ],
)
def test_usage_errors(args, code, message):
    r = gauntlet(*args)
    assert r.returncode == code
    assert message in r.stderr + r.stdout


def test_non_python_project_handed_to_python_plugin(tmp_path):
    (tmp_path / "Cargo.toml").write_text("[package]\nname='x'\n")
    r = gauntlet("check", tmp_path, "--language", "python", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["outcome"]["tests"]["error"] == "no tests collected"


@pytest.mark.parametrize("content,why", [(b"", "the patch is empty"), (b"\x00\x01\x02binary", "binary")])
def test_empty_and_binary_patches_are_failures_with_a_reason(tmp_path, content, why):
    patch = tmp_path / "p.diff"
    patch.write_bytes(content)
    r = gauntlet("check", EXAMPLE, "--patch", patch, "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert why in doc["outcome"]["patch_error"] and doc["reward"]["value"] == -0.3


def test_output_flood_is_bounded(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_flood.py").write_text(
        "import sys\n\ndef test_flood():\n    for _ in range(200):\n        sys.stdout.write('x' * 1_000_000)\n    assert False\n")
    r = gauntlet("check", tmp_path, "--language", "python", "--json", "--no-lint")
    doc = json.loads(r.stdout)
    assert len(doc["outcome"]["tests"]["log"]) < 10_000_000
    assert doc["outcome"]["tests"]["tests"]["tests/test_flood.py::test_flood"]["status"] == "failed"


def test_old_executor_option_names_the_runner_with_a_warning():
    """``--executor`` was ``--runner``'s name (users' scripts have it): still read, hidden, warned."""
    for flag in ("--runner", "--executor"):
        r = gauntlet("serve-rewards", flag, "slurm")
        assert r.returncode == 2 and "--runner must be one of: local, ray" in r.stderr + r.stdout
        assert ("--executor is deprecated; use --runner" in r.stderr) == (flag == "--executor")
    assert "--executor" not in gauntlet("serve-rewards", "--help").stdout


def test_help_documents_exit_codes():
    r = gauntlet("check", "--help")
    assert r.returncode == 0 and "Examples" in r.stdout
    assert "2 usage error" in gauntlet("--help").stdout


def test_a_missing_pytest_is_an_infrastructure_error_not_a_failing_patch():
    """Where the sandbox's Python has no pytest, a correct patch must not be graded as failing tests:
    exit 3, no reward, how to install it.  Here the harness runs on the system interpreter (not a venv,
    so nothing puts a venv's bin first on the sandbox's PATH) with this venv's packages added as a
    site directory, and the sandbox's python3 is that system interpreter, without pytest."""
    import os
    import site

    if sys.prefix == sys.base_prefix:
        pytest.skip(reason="the tests are not running in a virtual environment")
    if not Path("/usr/bin/python3").exists() or subprocess.run(["/usr/bin/python3", "-c", "import pytest"]).returncode == 0:
        pytest.skip(reason="needs a /usr/bin/python3 without pytest")
    boot = (f"import runpy, site, sys; [site.addsitedir(d) for d in {site.getsitepackages()!r}]; "
            "sys.argv[0] = 'gauntlet'; runpy.run_module('harness', run_name='__main__')")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")} | {"PATH": "/usr/bin:/bin"}
    r = subprocess.run(["/usr/bin/python3", "-c", boot, "check", str(EXAMPLE), "--patch", str(EXAMPLE / "fix.diff"),
                        "--json"], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert r.returncode == 3, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["reward"]["value"] is None and "pip install pytest" in doc["outcome"]["infra_error"]
