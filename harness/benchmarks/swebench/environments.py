"""Where an instance runs: the official image, or an environment Gauntlet builds itself.

- ``OfficialEnvironment``: the row's ``image`` (the official instance image, with the repository at
  ``/testbed`` and its dependencies installed) run through our Docker backend.  A missing image is
  pulled when a registry answers, else a clear infrastructure error.
- ``OwnEnvironment``: for air-gapped users and the plugin languages.  The repository at the base
  commit comes from a local cache of clones (``--repos``); under Docker an instance image is built
  on the language plugin's image (repository at ``/testbed``, dependencies fetched at build time by
  the plugin's ``ImageSpec.prepare`` commands, with network, then evaluation without network);
  under the local backend the same commands run in a networked session first.  The plugin's
  language image is built where the instance runs, or pulled from ``registry`` (REG/<tag>) when
  that has it (``push``: a build is pushed there for the other nodes).  Python instances whose
  (repo, version) has an install spec (``env_specs``: SWE-bench's published specs, see
  ``python_env``) get a venv built from it instead of the plugin's ``prepare`` commands, and the
  eval script's conda activation is satisfied by a shim.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.benchmarks.swebench.dataset import language_of
from harness.benchmarks.swebench.instance import GAUNTLET_PARSER
from harness.benchmarks.swebench.repos import checkout, ensure_repo
from harness.errors import InfraError
from harness.sandbox import Limits, get_backend


class Environment:
    mode = ""
    backend_name = ""
    pm = None  # the plugin manager, for plugin-run ("gauntlet") instances

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits(timeout=1800, memory_mb=8192, processes=4096)
        self.images: dict[str, str] = {}  # image name -> digest or id, for the run's manifest

    def _record_image(self, name: str) -> None:
        from harness.sandbox import images

        if name not in self.images:
            self.images[name] = images.digest(name)

    def language_of(self, instance: dict) -> str | None:
        return language_of(instance)

    @contextlib.contextmanager
    def open(self, instance: dict) -> Iterator[tuple[object, str]]:  # (session, testbed path)
        raise NotImplementedError
        yield


class OfficialEnvironment(Environment):
    mode = "official"
    backend_name = "docker"

    def __init__(self, limits: Limits | None = None, pull: bool = True, registry: str | None = None,
                 network: bool = True):
        """``registry``: pull the rows' images from this registry (a mirror: REGISTRY/<image>) instead.
        ``network``: the official harness's containers have the default bridge network (eval
        scripts run ``pip install -e .``); False runs them without."""
        super().__init__(limits)
        self.backend = get_backend("docker")
        self.pull = pull
        self.network = network
        self.registry = registry.rstrip("/") if registry else None

    @contextlib.contextmanager
    def open(self, instance: dict):
        from harness.sandbox import images

        name = instance.get("image")
        if not name:
            raise InfraError(f"{instance['instance_id']}: the dataset row has no 'image' (not a swebench 5 dataset?)")
        if self.registry:
            name = f"{self.registry}/{name}"
        images.ensure_present(name, pull=self.pull)
        self._record_image(name)
        with tempfile.TemporaryDirectory(prefix="gauntlet-swe-") as empty:
            session = self.backend.open(empty, image=name, limits=self.limits, network=self.network)
            try:
                yield session, "/testbed"
            finally:
                session.close()


class OwnEnvironment(Environment):
    mode = "own"

    def __init__(self, backend: str, repos: Path, pm, clone: bool = False, limits: Limits | None = None,
                 fetch_deps: bool = False, registry: str | None = None, push: bool = False,
                 env_specs: str | Path | None = None, python_fallback: bool = False):
        """``env_specs``: where Python instances' install specs come from (``python_env.load_specs``:
        a JSON file, a swebench 2-4 wheel, or by default an installed swebench that has them);
        ``python_fallback``: build on the image's python3 when the spec's Python is not to be had."""
        super().__init__(limits)
        from harness.benchmarks.swebench.python_env import load_specs

        self.env_specs = load_specs(env_specs)
        self.python_fallback = python_fallback
        self.registry, self.push = registry, push
        self.fetch_deps = fetch_deps
        self.backend_name = backend
        self.backend = get_backend(backend)
        self.repos = Path(repos)
        self.clone = clone
        self.pm = pm

    def _spec(self, instance: dict):
        from harness.plugins import UnknownLanguage

        language = self.language_of(instance)
        try:
            spec = self.pm.for_language(language).gauntlet_image(language=language) if language else None
        except UnknownLanguage:
            spec = None
        if spec is None:
            raise InfraError(
                f"{instance['instance_id']}: no installed plugin for language {language!r}; "
                "own-environment mode needs the language's plugin (pip install gauntlet-<language>)"
            )
        return spec

    @contextlib.contextmanager
    def open(self, instance: dict):
        spec = self._spec(instance)
        source = ensure_repo(self.repos, instance["repo"], self.clone)
        with tempfile.TemporaryDirectory(prefix="gauntlet-swe-") as tmp:
            tree = checkout(source, instance["base_commit"], Path(tmp) / "testbed")
            if instance.get("log_parser") == GAUNTLET_PARSER:
                session = self._plugin_session(instance, spec, tree)
                testbed = session.workdir
            elif self.backend_name == "docker":
                image = self._instance_image(instance, spec, tree, source)
                empty = Path(tmp) / "empty"
                empty.mkdir()
                session = self.backend.open(empty, image=image, limits=self.limits, network=False)
                testbed = "/testbed"
            else:
                if self.python_spec(instance) is not None:
                    raise InfraError(f"{instance['instance_id']}: Python environments from install specs are built "
                                     "as Docker images (--backend docker)")
                session = self._prepared_local_session(tree, spec)
                testbed = session.workdir
            try:
                yield session, testbed
            finally:
                session.close()

    def _plugin_session(self, instance: dict, spec, tree: Path):
        """Plugin-run instances: the project is the session's workspace, built and tested by its plugin.

        With ``fetch_deps``, a first session with network builds the unpatched tree to fill the
        per-repository dependency caches; the evaluation session itself has no network.
        """
        image = spec if self.backend_name == "docker" else None
        if image is not None:  # made now, so that the registry is tried first
            from harness.sandbox import images

            images.build(spec, registry=self.registry, push_built=self.push)
        key = "swe-" + instance["repo"].replace("/", "__")
        language = self.language_of(instance)
        if self.fetch_deps:
            prep = self.backend.open(tree, language=language, image=image, limits=self.limits, network=True, cache_key=key)
            try:
                self.pm.for_language(language).gauntlet_build(session=prep)
            finally:
                prep.close()
        session = self.backend.open(tree, language=language, image=image, limits=self.limits, network=False, cache_key=key)
        if session.protections.get("image"):
            self._record_image(session.protections["image"])
        return session

    def python_spec(self, instance: dict):
        """The install spec of a Python instance (None: the plugin's prepare commands are used);
        an ``InfraError`` when specs were given but do not know the instance's (repo, version)."""
        if self.language_of(instance) != "python" or self.env_specs is None:
            return None
        found = self.env_specs.for_instance(instance)
        if found is None:
            raise InfraError(f"{instance['instance_id']}: no environment spec for {instance.get('repo')} version "
                             f"{instance.get('version')!r} in {self.env_specs.source}")
        return found

    def _instance_image(self, instance: dict, spec, tree: Path, source: Path | None = None) -> str:
        """FROM the language image: the repository at /testbed, dependencies fetched, root user."""
        from harness.sandbox import images

        base = images.build(spec, registry=self.registry, push_built=self.push)
        self._record_image(base)
        py = self.python_spec(instance)
        if py is not None:
            return self._python_image(instance, base, py, tree, source)
        prepare = "".join(f"RUN {cmd}\n" for cmd in spec.prepare)
        dockerfile = f"FROM {base}\nUSER root\nCOPY testbed /testbed\nWORKDIR /testbed\n{prepare}"
        key = hashlib.sha256(f"{dockerfile}{instance['repo']}{instance['base_commit']}".encode()).hexdigest()[:12]
        tag = f"gauntlet-swe/{instance['instance_id'].lower()}:{key}"
        built = images.build_context(tag, dockerfile, {"testbed": tree})
        self._record_image(built)
        return built

    def _python_image(self, instance: dict, base: str, py, tree: Path, source: Path | None) -> str:
        """The instance's venv built from its install spec (``python_env``), with the conda shim."""
        from harness.benchmarks.swebench import python_env
        from harness.benchmarks.swebench.repos import scm_version
        from harness.sandbox import images

        version = scm_version(source, instance["base_commit"]) if source is not None else None
        script = python_env.build_script(py, tree, self.python_fallback, version)
        dockerfile = python_env.dockerfile(base, version)
        key = hashlib.sha256(f"{dockerfile}{script}{instance['repo']}{instance['base_commit']}".encode()).hexdigest()[:12]
        tag = f"gauntlet-swe/{instance['instance_id'].lower()}:{key}"
        with tempfile.TemporaryDirectory(prefix="gauntlet-env-") as tmp:
            ctx = Path(tmp)
            (ctx / "build.sh").write_text(script)
            (ctx / "activate").write_text(python_env.SHIM_TEXT)
            built = images.build_context(tag, dockerfile, {"testbed": tree, "gauntlet-env": ctx})
        self._record_image(built)
        return built

    def _prepared_local_session(self, tree: Path, spec):
        if not spec.prepare:
            return self.backend.open(tree, limits=self.limits, network=False)
        prep = self.backend.open(tree, limits=self.limits, network=True)
        try:
            for cmd in spec.prepare:
                r = prep.exec(["bash", "-c", cmd], timeout=self.limits.timeout)
                if r.exit_code != 0:
                    raise InfraError(f"dependency step {cmd!r} failed: {(r.stdout + r.stderr)[-800:]}")
            return self.backend.open(prep.workdir, limits=self.limits, network=False)
        finally:
            prep.close()
