"""Each language's hostile corpus built once per backend, inside that backend, for the tests to run.

Building in the sandbox (not on the host) means the Docker side runs binaries made by the image's
own toolchain; the artifacts are read back and laid out in a plain directory that every case's
session opens as its workspace.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hostile.corpus import LANGUAGES, ROOT

from harness.sandbox import Limits, SandboxError, get_backend

BUILD_LIMITS = Limits(timeout=600, memory_mb=4096, processes=512, file_size_mb=1024)


class Builds:
    """Each language's corpus built once per backend, inside that backend; a failure is remembered."""

    def __init__(self, tmp_factory):
        self.tmp = tmp_factory
        self.done: dict[tuple[str, str], tuple] = {}
        self.backends: dict[str, object] = {}
        self.containers: set[str] = set()

    def backend(self, name: str):
        if name not in self.backends:
            if name == "docker":
                try:
                    from harness.sandbox import images

                    self.backends[name] = get_backend("docker")
                    if images.exists(images.BOOTSTRAP_NAME):
                        os.environ.setdefault("GAUNTLET_BASE_IMAGE", images.BOOTSTRAP_NAME)
                except SandboxError as e:
                    self.backends[name] = e
            else:
                self.backends[name] = get_backend(name)
        b = self.backends[name]
        if isinstance(b, SandboxError):
            if os.environ.get("CI") == "true":
                raise b
            pytest.skip(reason=f"Docker is not reachable: {b}")
        return b

    def get(self, language: str, backend_name: str) -> tuple[Path, object]:
        key = (language, backend_name)
        if key not in self.done:
            try:
                self.done[key] = ("ok", *self._build(LANGUAGES[language], backend_name))
            except pytest.skip.Exception as e:
                self.done[key] = ("skip", str(e))
            except Exception as e:  # noqa: BLE001 - a failed build fails every case of it, once each
                self.done[key] = ("fail", f"{type(e).__name__}: {e}")
        state, *rest = self.done[key]
        if state == "skip":
            pytest.skip(reason=rest[0])
        if state == "fail":
            pytest.fail(rest[0])
        return rest[0], rest[1]

    def image(self, language: str, backend_name: str):
        if backend_name != "docker":
            return None
        from harness.plugins import UnknownLanguage, get_plugin_manager
        from harness.sandbox import images

        try:
            spec = get_plugin_manager().for_language(language).gauntlet_image(language=language)
        except UnknownLanguage:
            spec = None
        if spec is None:
            pytest.skip(reason=f"no plugin gives a {language} image")
        if not images.exists(images.tag_for(spec, images.base_image_for(spec))):
            pytest.skip(reason=f"the {language} image is not built: gauntlet images build {language} "
                               "--base-image gauntlet-base:bookworm")
        return spec

    def _build(self, lang, backend_name: str) -> tuple[Path, object]:
        backend = self.backend(backend_name)
        if backend_name == "local":
            missing = [t for t in lang.tools if not shutil.which(t)]
            if missing:
                pytest.skip(reason=f"the {lang.name} toolchain is missing: {', '.join(missing)}")
        image = self.image(lang.name, backend_name)
        ws = self.tmp.mktemp(f"{lang.name}-{backend_name}") / "ws"
        ws.mkdir()
        files: dict[str, bytes] = {}
        if not lang.build:
            files = {f: (ROOT / lang.name / f).read_bytes() for f in lang.files()}
        else:
            with backend.open(ROOT / lang.name, image=image, limits=BUILD_LIMITS, cache_key=f"hostile-{lang.name}") as s:
                env = {**lang.env, **{var: s.cache_dir(name) for var, name in lang.caches.items()}}
                r = s.exec(list(lang.build), env=env)
                assert r.exit_code == 0, f"building the {lang.name} corpus failed:\n{r.output[-3000:]}"
                files = {f: s.read_file(f) for f in lang.files()}
        for rel, data in files.items():
            (ws / rel).parent.mkdir(parents=True, exist_ok=True)
            (ws / rel).write_bytes(data)
            (ws / rel).chmod(0o755)
        (ws / "keep.txt").write_text("the workspace handed to open(); no case may change it\n")
        return ws, image
