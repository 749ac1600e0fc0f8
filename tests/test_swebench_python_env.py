"""SWE-bench own mode for Python instances: an environment built from an install spec.

The specs (``python_env``) read the fields SWE-bench publishes per (repo, version): Python,
packages (here the repository's ``requirements.txt``), ``pip_packages``, ``pre_install`` and
``install``.  End to end, under Docker: a small real package whose tests need the pinned
``packaging`` and whose ``setup.cfg`` only builds after its ``pre_install`` fix, with an eval
script of the official Python shape (``source /opt/miniconda3/bin/activate``, ``conda activate
testbed``, ``pip install -e .``): gold resolves, empty does not, and the report is swebench's own
``get_eval_report`` of the same log.
"""

import json
import subprocess

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from swe_fixtures import make_instance  # noqa: E402

from harness.benchmarks.swebench import python_env  # noqa: E402
from harness.benchmarks.swebench.environments import OwnEnvironment  # noqa: E402
from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions  # noqa: E402
from harness.benchmarks.swebench.run import RunOptions, run  # noqa: E402
from harness.errors import InfraError, UsageError  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402
from harness.testing import docker_or_skip  # noqa: E402

REPO = "toy/verpin"
SPEC = {  # as SWE-bench writes one (the python.py tables of swebench 2-4)
    "python": "3",
    "packages": "requirements.txt",
    "pip_packages": ["pytest==8.3.5"],
    "pre_install": ["sed -i 's/^version = UNSET$/version = 0.1.0/' setup.cfg"],
    "install": "python -m pip install -e .",
    "test_cmd": "pytest -rA",
}
BASE = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n',
    # the published pytest 6.3 spec's pre_install fixes a setup.cfg the same way
    "setup.cfg": "[metadata]\nname = verpin\nversion = UNSET\n\n[options]\npackages = verpin\n",
    "requirements.txt": "packaging==23.1\n",
    "verpin/__init__.py": "from packaging.version import Version\n\n\n"
                          "def newer(a, b):\n    return Version(a) < Version(b)\n",
    "tests/test_verpin.py": "import importlib.metadata\n\nfrom verpin import newer\n\n\n"
                            "def test_pinned():\n    assert importlib.metadata.version('packaging') == '23.1'\n\n\n"
                            "def test_installed():\n    assert importlib.metadata.version('verpin') == '0.1.0'\n",
}
FIX = {"verpin/__init__.py": BASE["verpin/__init__.py"].replace("Version(a) < Version(b)", "Version(a) > Version(b)")}
NEW_TESTS = {"tests/test_verpin.py": BASE["tests/test_verpin.py"]
             + "\n\ndef test_newer():\n    assert newer('1.10', '1.9')\n"}


def official_python_script(instance: dict, test_cmd: str, test_files: list[str]) -> str:
    """The eval script in the shape SWE-bench's rows carry for Python (conda activation, install, tests)."""
    base, files = instance["base_commit"], " ".join(test_files)
    return "\n".join([
        "#!/bin/bash", "set -uxo pipefail", "source /opt/miniconda3/bin/activate", "conda activate testbed",
        "cd /testbed", "git config --global --add safe.directory /testbed", "cd /testbed", "git status", "git show",
        f"git -c core.fileMode=false diff {base}", "source /opt/miniconda3/bin/activate", "conda activate testbed",
        "python -m pip install -e .", f"git checkout {base} {files}",
        "git apply -v - <<'EOF_114329324912'", instance["test_patch"].rstrip("\n"), "EOF_114329324912",
        ": '>>>>> Start Test Output'", f"{test_cmd} {files}", ": '>>>>> End Test Output'",
        f"git checkout {base} {files}", "",
    ])


@pytest.fixture
def standin(tmp_path):
    instance = make_instance(tmp_path / "repos", REPO, BASE, FIX, NEW_TESTS, test_command="unused",
                             log_parser="parse_log_pytest", fail_to_pass=["tests/test_verpin.py::test_newer"],
                             pass_to_pass=["tests/test_verpin.py::test_pinned", "tests/test_verpin.py::test_installed"])
    instance["eval_script"] = official_python_script(instance, SPEC["test_cmd"], ["tests/test_verpin.py"])
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps({REPO: {instance["version"]: SPEC}}))
    return instance, specs


def test_specs_from_swebench_module_and_json(tmp_path):
    """The published python.py is read as swebench wrote it (tables built with loops); JSON too."""
    module = tmp_path / "python.py"
    module.write_text('SPECS_X = {k: {"python": "3.9", "install": "python -m pip install -e ."} for k in ["1.0", "1.1"]}\n'
                      'SPECS_X["1.1"]["pip_packages"] = ["attrs==23.1.0"]\n'
                      'MAP_REPO_VERSION_TO_SPECS_PY = {"o/x": SPECS_X}\nMAP_REPO_TO_REQS_PATHS = {"o/x": ["req/dev.txt"]}\n')
    specs = python_env.load_specs(module)
    spec = specs.for_instance({"repo": "o/x", "version": "1.1"})
    assert (spec.python, spec.pip_packages, spec.reqs_paths) == ("3.9", ("attrs==23.1.0",), ("req/dev.txt",))
    assert specs.for_instance({"repo": "o/x", "version": "2.0"}) is None
    (tmp_path / "s.json").write_text(json.dumps({"o/x": {"1.0": {"python": "3.11", "packages": "numpy=1.26 'scipy<2'"}}}))
    spec = python_env.load_specs(tmp_path / "s.json").for_instance({"repo": "o/x", "version": "1.0"})
    script = python_env.build_script(spec, tmp_path)
    assert "uv venv --seed --python 3.11 /opt/gauntlet-env" in script and "exit 3" in script
    assert "python -m pip install 'numpy==1.26.*' 'scipy<2'" in script  # conda specs as pip reads them
    for bad in ("nope.json", "x.txt"):
        (tmp_path / "x.txt").write_text("")
        with pytest.raises(UsageError):
            python_env.load_specs(tmp_path / bad)


def test_environment_yml_and_fallback(tmp_path):
    (tmp_path / "environment.yml").write_text("name: testbed\ndependencies:\n  - python=3.9\n  - numpy=1.25.2\n"
                                              "  - pip\n  - pip:\n    - pytest==7.4.0\n")
    spec = python_env.PythonSpec.from_mapping({"python": "3.9", "packages": "environment.yml"})
    script = python_env.build_script(spec, tmp_path, python_fallback=True)
    assert "python -m pip install numpy==1.25.2 pytest==7.4.0" in script
    assert "uv venv --seed --python python3 /opt/gauntlet-env" in script  # the fallback, said in the build log
    for text in (script, python_env.build_script(spec, tmp_path), python_env.SHIM_TEXT):
        assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0, text
    with pytest.raises(InfraError, match="requirements.txt"):
        python_env.build_script(python_env.PythonSpec.from_mapping({"python": "3", "packages": "requirements.txt"}), tmp_path)


def test_scm_version_of_a_checkout_without_tags(tmp_path):
    """What setuptools_scm would read from a full clone, for the image's tagless copy."""
    from swe_fixtures import git

    from harness.benchmarks.swebench.repos import scm_version

    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "a")
    assert scm_version(tmp_path, "HEAD") is None
    git(tmp_path, "tag", "v7.4.0")
    assert scm_version(tmp_path, "HEAD") == "7.4.0"
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "b")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "c")
    sha = git(tmp_path, "rev-parse", "--short=9", "HEAD").strip()
    assert scm_version(tmp_path, "HEAD") == f"7.4.1.dev2+g{sha}"
    # a .dev0 tag on main (pytest's, after branching a release): the tag's version, dev-numbered by distance
    git(tmp_path, "tag", "8.0.0.dev0")
    assert scm_version(tmp_path, "HEAD") == "8.0.0.dev0"
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "d")
    sha = git(tmp_path, "rev-parse", "--short=9", "HEAD").strip()
    assert scm_version(tmp_path, "HEAD") == f"8.0.0.dev1+g{sha}"


def test_spec_missing_for_instance_is_an_infrastructure_error(tmp_path, standin):
    docker_or_skip()  # the environment connects to its backend when made
    instance, specs = standin
    env = OwnEnvironment("docker", tmp_path / "repos", get_plugin_manager(), env_specs=specs)
    with pytest.raises(InfraError, match="no environment spec"):
        env.python_spec({**instance, "version": "9.9"})


def test_gold_resolves_empty_does_not_python_env_docker(tmp_path, standin):
    docker_or_skip()
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    from harness.sandbox import images

    instance, specs = standin
    iid = instance["instance_id"]
    env = OwnEnvironment("docker", tmp_path / "repos", get_plugin_manager(), env_specs=specs)
    built = []
    try:
        gold = run([instance], gold_predictions([instance]), env, RunOptions(run_id="gold", output=tmp_path / "out"))
        log_dir = tmp_path / "out" / "gold" / "gold" / iid
        log = (log_dir / "test_output.txt").read_text()
        built = [name for name in env.images if name.startswith("gauntlet-swe/")]
        assert gold["resolved_ids"] == [iid], log[-3000:]
        ours = json.loads((log_dir / "report.json").read_text())
        theirs = get_eval_report(make_test_spec(instance), {"instance_id": iid, "model_patch": instance["patch"],
                                 "model_name_or_path": "gold"}, str(log_dir / "test_output.txt"), include_tests_status=True)
        assert ours == theirs
        assert "command not found" not in log and "/opt/gauntlet-env/lib/python3" in log  # the shim, the spec's venv
        assert "Successfully installed verpin" in log  # the script's own offline `pip install -e .` builds

        empty = run([instance], empty_predictions([instance]), env, RunOptions(run_id="empty", output=tmp_path / "out"))
        assert empty["resolved_ids"] == []
        rec = json.loads((tmp_path / "out" / "empty" / "results.jsonl").read_text().splitlines()[0])
        status = rec["report"][iid]["tests_status"]
        assert status["FAIL_TO_PASS"]["failure"] == ["tests/test_verpin.py::test_newer"]
        assert status["PASS_TO_PASS"]["failure"] == []  # the pinned packaging and the pre_install'd version
    finally:
        client = images.client()
        for name in built:
            for c in client.containers.list(all=True, filters={"ancestor": name, "label": "gauntlet=1"}):
                c.remove(force=True)  # the warm pool's
            client.images.remove(name, force=True)


def test_env_specs_only_in_own_mode(tmp_path, standin):
    from harness.benchmarks.swebench.plan import Plan, open_environment

    docker_or_skip()
    instance, specs = standin
    official = Plan([instance], {}, "official", "docker", None, "gold")
    with pytest.raises(UsageError, match="own mode"):
        open_environment(official, env_specs=specs)
    own = Plan([instance], {}, "own", "docker", tmp_path / "repos", "gold")
    env = open_environment(own, env_specs=specs, python_fallback=True)
    assert env.python_spec(instance).pip_packages == ("pytest==8.3.5",) and env.python_fallback
