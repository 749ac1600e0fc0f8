"""Python environments for SWE-bench's own mode, built from the install specs SWE-bench publishes.

The official instance images hold a conda environment ``testbed`` made from a per-(repo, version)
spec: a Python version, packages (a conda-style list, or the repository's ``requirements.txt`` /
``environment.yml``), ``pip_packages``, ``pre_install`` commands and an ``install`` command.  Here the
same spec makes a venv instead (uv picks or, where the network allows, downloads the Python; pip in
the venv runs the spec's own commands), and the eval script's ``source /opt/miniconda3/bin/activate``
/ ``conda activate testbed`` lines are satisfied by a shim that activates that venv.

Where the specs come from (``load_specs``): a JSON file ``{repo: {version: spec}}``; a swebench
wheel or its ``harness/constants/python.py`` (swebench 2-4 publish ``MAP_REPO_VERSION_TO_SPECS_PY``
there; 5.x ships the finished eval scripts in the rows instead, and no specs); or, by default, an
installed swebench that still has them.
"""

from __future__ import annotations

import json
import shlex
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InfraError, UsageError

VENV = "/opt/gauntlet-env"  # the instance's Python environment (the official images' conda env "testbed")
SHIM = "/opt/miniconda3/bin/activate"  # what every official Python eval script sources
SPECS_MODULE = "swebench/harness/constants/python.py"
# A conda environment comes with setuptools and wheel; the venv gets them too, of the time SWE-bench's
# environments were made (the specs pin setuptools 68 where they pin it): newer ones turn
# pkg_resources' deprecation into a UserWarning that the repositories' own tests of that time fail on.
SEED = ("setuptools<70", "wheel")

# The shim: sourcing it activates the venv, and ``conda activate <any name>`` does the same.
SHIM_TEXT = f"""\
# Gauntlet: the eval script's conda activation, satisfied by the instance's venv ({VENV}).
. {VENV}/bin/activate
conda() {{
  if [ "${{1:-}}" = activate ]; then . {VENV}/bin/activate; return 0; fi
  echo "conda is not installed here: Gauntlet's own-mode environment is the venv {VENV}" >&2
  return 1
}}
"""


@dataclass(frozen=True)
class PythonSpec:
    """One (repo, version)'s install spec, in the fields SWE-bench's specs use."""

    python: str
    packages: str = ""  # conda-style package list, "requirements.txt" or "environment.yml"
    pip_packages: tuple[str, ...] = ()
    pre_install: tuple[str, ...] = ()
    install: str = ""
    reqs_paths: tuple[str, ...] = ("requirements.txt",)  # where "requirements.txt" is in the repository
    env_yml_paths: tuple[str, ...] = ("environment.yml",)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # fields not used here (test_cmd, ...)

    @classmethod
    def from_mapping(cls, d: dict[str, Any], reqs_paths=None, env_yml_paths=None) -> "PythonSpec":
        if not isinstance(d, dict) or not d.get("python"):
            raise UsageError(f"an environment spec needs at least a 'python' version: {d!r}")
        used = {"python", "packages", "pip_packages", "pre_install", "install"}
        return cls(python=str(d["python"]), packages=str(d.get("packages") or ""),
                   pip_packages=tuple(d.get("pip_packages") or ()), pre_install=tuple(d.get("pre_install") or ()),
                   install=str(d.get("install") or ""),
                   reqs_paths=tuple(reqs_paths or ("requirements.txt",)),
                   env_yml_paths=tuple(env_yml_paths or ("environment.yml",)),
                   extra={k: v for k, v in d.items() if k not in used})


class Specs:
    """repo -> version -> spec, with the repositories' requirement-file paths."""

    def __init__(self, specs: dict[str, dict[str, dict]], reqs_paths: dict[str, list[str]] | None = None,
                 env_yml_paths: dict[str, list[str]] | None = None, source: str = ""):
        self.specs, self.source = specs, source
        self.reqs_paths, self.env_yml_paths = reqs_paths or {}, env_yml_paths or {}

    def for_instance(self, instance: dict) -> PythonSpec | None:
        """The spec of the instance's (repo, version), or None when these specs do not know it."""
        d = self.specs.get(instance.get("repo", ""), {}).get(str(instance.get("version", "")))
        if d is None:
            return None
        repo = instance["repo"]
        return PythonSpec.from_mapping(d, self.reqs_paths.get(repo), self.env_yml_paths.get(repo))

    def __len__(self) -> int:
        return sum(len(v) for v in self.specs.values())


def load_specs(source: str | Path | None = None) -> Specs | None:
    """The published specs from ``source`` (a .json file, a swebench .whl or its constants
    ``python.py``), else from the installed swebench when it has them (None when it does not).

    A ``python.py`` or wheel is executed to read its tables: give only a file you trust (the one
    SWE-bench publishes on PyPI).  ``UsageError`` for a file that holds no specs."""
    if source is None:
        try:
            from swebench.harness import constants
        except ImportError:
            return None
        table = getattr(constants, "MAP_REPO_VERSION_TO_SPECS_PY", None) or getattr(constants, "MAP_REPO_VERSION_TO_SPECS", None)
        if not table:
            return None
        return Specs(table, getattr(constants, "MAP_REPO_TO_REQS_PATHS", None),
                     getattr(constants, "MAP_REPO_TO_ENV_YML_PATHS", None), source="installed swebench")
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"environment specs file not found: {path}")
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise UsageError(f"{path}: not valid JSON ({e})") from e
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise UsageError(f"{path}: expected {{repo: {{version: spec}}}}")
        return Specs(data, source=str(path))
    if path.suffix == ".whl":
        try:
            with zipfile.ZipFile(path) as z:
                text = z.read(SPECS_MODULE).decode("utf-8")
        except (KeyError, zipfile.BadZipFile) as e:
            raise UsageError(f"{path}: no {SPECS_MODULE} in it (a swebench 2-4 wheel has the specs)") from e
    elif path.suffix == ".py":
        text = path.read_text(encoding="utf-8")
    else:
        raise UsageError(f"{path}: environment specs are a .json file, a swebench .whl or its constants python.py")
    namespace: dict[str, Any] = {"__name__": "gauntlet_swebench_specs"}
    exec(compile(text, str(path), "exec"), namespace)  # the published module is plain data (tables, loops)
    table = namespace.get("MAP_REPO_VERSION_TO_SPECS_PY") or namespace.get("MAP_REPO_VERSION_TO_SPECS")
    if not table:
        raise UsageError(f"{path}: no MAP_REPO_VERSION_TO_SPECS_PY table in it")
    return Specs(table, namespace.get("MAP_REPO_TO_REQS_PATHS"), namespace.get("MAP_REPO_TO_ENV_YML_PATHS"), source=str(path))


def conda_to_pip(requirement: str) -> str:
    """A conda package spec as pip reads it: ``numpy=1.19`` -> ``numpy==1.19.*``, ``a==1`` unchanged."""
    name, sep, rest = requirement.partition("=")
    if not sep or rest.startswith("="):
        return requirement
    if any(c in name for c in "<>!~"):
        return requirement
    return f"{name}=={rest}" if rest.count(".") >= 2 or "*" in rest else f"{name}=={rest}.*"


def environment_yml_requirements(text: str) -> list[str]:
    """The pip requirements of a conda ``environment.yml``: its dependencies (python itself left
    out, conda specs translated) and its ``pip:`` list."""
    import yaml

    data = yaml.safe_load(text) or {}
    out: list[str] = []
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict):
            out += [str(x) for x in dep.get("pip") or []]
        elif isinstance(dep, str):
            name = dep.split("=")[0].split("<")[0].split(">")[0].strip()
            if name not in ("python", "pip"):
                out.append(conda_to_pip(dep.replace(" ", "")))
    return out


def build_requirements(tree: Path) -> list[str]:
    """The repository's ``[build-system] requires`` (pyproject.toml), else setuptools and wheel."""
    import tomllib

    try:
        data = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
        return [str(r) for r in data["build-system"]["requires"]]
    except (OSError, ValueError, KeyError, TypeError):
        return ["setuptools", "wheel"]


def build_script(spec: PythonSpec, tree: Path, python_fallback: bool = False, scm_version: str | None = None) -> str:
    """The bash script (run in the instance image's build, with network, in /testbed) that makes the
    venv, installs the spec's packages and runs its pre_install and install commands, in the order
    SWE-bench's environment and repository scripts use.

    The evaluation runs offline, and its script's own ``pip install -e .`` must then work without
    an index: the project's build requirements go into the venv, and the image turns pip's build
    isolation off (``dockerfile``).  ``scm_version``: what setuptools_scm would read from a full
    clone (``repos.scm_version``), since the image's copy has no tags."""
    q = shlex.quote
    lines = ["set -euxo pipefail", "cd /testbed"]
    if scm_version:
        lines.append(f"export SETUPTOOLS_SCM_PRETEND_VERSION={q(scm_version)}")
    create = f"uv venv --seed --python {q(spec.python)} {VENV}"
    if python_fallback:
        say = f"gauntlet: Python {spec.python} is not to be had here; using the image python3 instead (--python-fallback)"
        lines.append(f"{create} || {{ echo {q(say)}; uv venv --seed --python python3 {VENV}; }}")
    else:
        say = (f"gauntlet: Python {spec.python} (the instance spec) is neither on the image nor downloadable here; "
               "--python-fallback uses the image python3")
        lines.append(f"{create} || {{ echo {q(say)} >&2; exit 3; }}")
    lines += [f". {VENV}/bin/activate", f"python --version | tee {VENV}/gauntlet-python.txt",
              "python -m pip install " + " ".join(q(r) for r in SEED)]
    pkgs = spec.packages.strip()
    if pkgs == "requirements.txt":
        found = [p for p in spec.reqs_paths if (tree / p).is_file()]
        if not found:
            raise InfraError(f"the spec installs requirements.txt, but none of {list(spec.reqs_paths)} is in the repository")
        lines += [f"python -m pip install -r {q(p)}" for p in found]
    elif pkgs == "environment.yml":
        found = [p for p in spec.env_yml_paths if (tree / p).is_file()]
        if not found:
            raise InfraError(f"the spec installs environment.yml, but none of {list(spec.env_yml_paths)} is in the repository")
        reqs = environment_yml_requirements((tree / found[0]).read_text(encoding="utf-8"))
        if reqs:
            lines.append("python -m pip install " + " ".join(q(r) for r in reqs))
    elif pkgs:
        lines.append("python -m pip install " + " ".join(q(conda_to_pip(r)) for r in shlex.split(pkgs)))
    if spec.pip_packages:
        lines.append("python -m pip install " + " ".join(q(p) for p in spec.pip_packages))
    lines.append("python -m pip install " + " ".join(q(r) for r in build_requirements(tree)))
    lines += list(spec.pre_install)
    if spec.install:
        lines.append(spec.install)
    return "\n".join(lines) + "\n"


def dockerfile(base: str, scm_version: str | None = None) -> str:
    """FROM the Python language image: the repository at /testbed, the environment built by the
    context folder's ``build.sh``, the conda shim, the venv first on PATH, pip's build isolation off
    (``PIP_NO_BUILD_ISOLATION=0`` means off) so that an offline ``pip install -e .`` builds."""
    shim_dir = str(Path(SHIM).parent)
    scm = f"ENV SETUPTOOLS_SCM_PRETEND_VERSION={json.dumps(scm_version)}\n" if scm_version else ""
    return (f"FROM {base}\nUSER root\n" + scm
            + "COPY testbed /testbed\nCOPY gauntlet-env /tmp/gauntlet-env\nWORKDIR /testbed\n"
            + f"RUN mkdir -p {shim_dir} && cp /tmp/gauntlet-env/activate {SHIM} "
            + "&& bash /tmp/gauntlet-env/build.sh && rm -rf /tmp/gauntlet-env /root/.cache\n"
            + f"ENV PATH={VENV}/bin:$PATH VIRTUAL_ENV={VENV} PIP_NO_BUILD_ISOLATION=0\n")
