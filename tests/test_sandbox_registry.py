"""Sandbox backends through the ``gauntlet.backends`` entry-point group, as a third party ships one.

Throwaway distributions on sys.path (a ``*.dist-info`` with an ``entry_points.txt``, which is how an
installed package looks to ``importlib.metadata``): a tiny backend that wraps the local one, one
that fails to import, one that fails to start and one that claims a built-in's name.  The tiny
backend is found by ``get_backend``, passes the conformance suite, gives the local backend's
outcomes (parity), and is listed by ``gauntlet plugins --backends``.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.sandbox import BackendLoadError, SandboxError, backend_infos, backend_names, get_backend, registry
from harness.sandbox.local import LocalBackend
from harness.testing import SandboxConformance, assert_same_on_both_backends

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python" / "slugify"

TOY = '''
from harness.sandbox.local import LocalBackend


class ToyBackend:
    """A third party's backend: here it only delegates to the local one."""

    name = "toy"

    def __init__(self, **options):
        self.inner = LocalBackend(**options)

    def open(self, workspace, **kwargs):
        return self.inner.open(workspace, **kwargs)


class Unstartable:
    def __init__(self):
        raise RuntimeError("no cluster configured")
'''

DISTRIBUTIONS = {  # distribution name, version -> (module name, module text, entry points)
    ("gauntlet-toy-backend", "0.3"): ("toy_backend", TOY, {"toy": "toy_backend:ToyBackend",
                                                          "toy-down": "toy_backend:Unstartable"}),
    ("gauntlet-toy-broken", "0.1"): ("toy_broken", "raise ImportError('missing dependency xyz')\n",
                                     {"toy-broken": "toy_broken:Backend"}),
    ("gauntlet-toy-squatter", "0.2"): ("toy_squatter", "", {"local": "toy_squatter:Local"}),
}


def make_site(root: Path, distributions: dict = DISTRIBUTIONS) -> Path:
    site = root / "site"
    for (dist, version), (module, text, eps) in distributions.items():
        (site / module).mkdir(parents=True)
        (site / module / "__init__.py").write_text(textwrap.dedent(text))
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = "".join(f"{name} = {value}\n" for name, value in eps.items())
        (info / "entry_points.txt").write_text(f"[gauntlet.backends]\n{lines}")
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fake distributions, importable for every test of this module."""
    site = make_site(tmp_path_factory.mktemp("dists"))
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(site))
        yield site
    for module in ("toy_backend", "toy_broken", "toy_squatter"):
        sys.modules.pop(module, None)


@pytest.fixture(autouse=True)
def _installed(site):
    """Every test here sees the fake distributions."""


def test_third_party_backend_is_found_by_get_backend():
    backend = get_backend("toy")
    assert type(backend).__name__ == "ToyBackend" and isinstance(backend.inner, LocalBackend)
    assert get_backend("toy", unsafe_host=True).inner.unsafe_host is True  # options reach the constructor
    toy = next(i for i in backend_infos() if i.name == "toy")
    assert (toy.distribution, toy.version, toy.object, toy.error) == ("gauntlet-toy-backend", "0.3", "toy_backend:ToyBackend", None)
    assert backend_names()[:2] == ["local", "docker"] and "toy" in backend_names()


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"unknown sandbox backend 'k8s'; choose from: local, docker, toy"):
        get_backend("k8s")


def test_backend_that_fails_to_load_names_its_distribution_and_why():
    with pytest.raises(BackendLoadError) as e:
        get_backend("toy-broken")
    assert "gauntlet-toy-broken 0.1" in str(e.value) and "ImportError: missing dependency xyz" in str(e.value)
    assert isinstance(e.value, SandboxError)  # an infrastructure error for check(): exit code 3, not a crash


def test_backend_that_fails_to_start_is_a_sandbox_error():
    with pytest.raises(SandboxError, match="'toy-down' from gauntlet-toy-backend 0.3 failed to start: RuntimeError: no cluster"):
        get_backend("toy-down")


def test_a_taken_name_is_not_used_and_says_why():
    assert type(get_backend("local")) is LocalBackend
    squatter = next(i for i in backend_infos() if i.distribution == "gauntlet-toy-squatter")
    assert squatter.name == "local" and "taken by harness.sandbox.local:LocalBackend" in squatter.error
    assert backend_names().count("local") == 1


def test_builtins_are_the_fallback_when_the_group_is_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    assert backend_names() == ["local", "docker"]
    assert all(i.distribution is None and i.origin == "gauntlet (built in)" for i in backend_infos())
    # Where gauntlet's own metadata declares them (pyproject.toml's group), the same two, named by it.
    monkeypatch.undo()
    own = make_site(tmp_path, {("gauntlet-own", "9.9"): ("gauntlet_own_unused", "", dict(registry.BUILTIN_BACKENDS))})
    monkeypatch.syspath_prepend(str(own))
    local = next(i for i in backend_infos() if i.name == "local")
    # gauntlet-harness itself, where this checkout is installed with its entry points, sorts first
    assert local.error is None and local.distribution in ("gauntlet-harness", "gauntlet-own")
    assert backend_names().count("docker") == 1 and backend_names().count("local") == 1


def test_pyproject_declares_the_builtins():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["gauntlet.backends"] == registry.BUILTIN_BACKENDS
    assert project["entry-points"]["pytest11"] == {"gauntlet": "harness.testing.plugin"}


class TestToyBackendConformance(SandboxConformance):
    """The conformance suite, unchanged, on the third party's backend (built by the plugin's fixture)."""

    backend_name = "toy"


def test_toy_backend_gives_the_local_outcomes():
    from harness.plugins import PluginManager

    if "python" not in PluginManager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    fix = (EXAMPLE / "fix.diff").read_text()
    assert_same_on_both_backends(EXAMPLE, "python", {"as it is": None, "fix": fix}, {"as it is": 0.1, "fix": 1.0},
                                 backends=("local", "toy"))


def _env(site: Path) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_gauntlet_plugins_lists_the_backends(site):
    r = subprocess.run([sys.executable, "-m", "harness", "plugins", "--backends", "--json"], capture_output=True,
                       text=True, cwd=ROOT, env=_env(site), timeout=120)
    assert r.returncode == 0, r.stderr
    by_name = {(b["name"], b["distribution"]): b for b in json.loads(r.stdout)}
    assert by_name[("toy", "gauntlet-toy-backend")]["error"] is None
    assert by_name[("toy", "gauntlet-toy-backend")]["version"] == "0.3"
    assert "missing dependency xyz" in by_name[("toy-broken", "gauntlet-toy-broken")]["error"]
    assert "taken by" in by_name[("local", "gauntlet-toy-squatter")]["error"]
    assert {"local", "docker", "toy", "toy-down"} <= {b["name"] for b in json.loads(r.stdout) if b["error"] is None}
    r = subprocess.run([sys.executable, "-m", "harness", "plugins", "--json"], capture_output=True, text=True, cwd=ROOT,
                       env=_env(site), timeout=120)
    assert isinstance(json.loads(r.stdout), list)  # the plugins' document keeps its shape


AUTHOR_TESTS = '''
import pytest

from harness.testing import SandboxConformance


class TestMyBackend(SandboxConformance):
    pass


@pytest.mark.docker
def test_marker_is_registered():
    pass
'''


def test_an_outside_author_runs_the_suite_with_the_pytest_plugin(site, tmp_path):
    """Outside this repository (no conftest.py of ours, no pythonpath): the plugin gives the option and fixture."""
    (tmp_path / "test_mine.py").write_text(AUTHOR_TESTS)
    run = [sys.executable, "-m", "pytest", "-p", "harness.testing.plugin", "-p", "no:cacheprovider", "--strict-markers",
           "-q", "test_mine.py", "--rootdir", str(tmp_path)]
    env = {**_env(site), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    r = subprocess.run([*run, "--gauntlet-backend", "toy", "-k", "stdin or apply_patch"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240)
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]
    assert "test_stdin_text_and_bytes[toy]" in subprocess.run([*run, "--gauntlet-backend", "toy", "--collect-only"],
                                                             capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    # --strict-markers: the docker marker is registered; without a backend named the suite fails, saying how to name one.
    r = subprocess.run([*run, "-k", "stdin or marker", "--collect-only"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and "test_stdin_text_and_bytes[no-backend]" in r.stdout, r.stdout[-3000:]
    r = subprocess.run([*run, "-k", "stdin"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240)
    assert r.returncode == 1 and "no sandbox backend to test: set backend_name" in r.stdout, r.stdout[-3000:]
