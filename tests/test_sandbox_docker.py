"""The Docker backend: the conformance suite unchanged, plus what only containers promise.

Needs a running Docker daemon and the Python language image (``bash ci/docker-setup.sh`` makes
both without a registry).  Locally the tests skip with the reason; in CI (CI=true) they fail.
"""

import os
from pathlib import Path

import pytest
from sandbox_conformance import SandboxConformance

from harness.sandbox import Limits, SandboxError


def _docker_or_skip():
    try:
        from harness.sandbox.docker import DockerBackend

        return DockerBackend()
    except SandboxError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Docker daemon: {e}")


@pytest.fixture(scope="module")
def backend():
    b = _docker_or_skip()
    from harness.sandbox import images

    # No registry here: build on the bootstrapped Debian base when it exists (CI exports the same).
    if images.exists(images.BOOTSTRAP_NAME):
        os.environ.setdefault("GAUNTLET_BASE_IMAGE", images.BOOTSTRAP_NAME)
    return b


@pytest.fixture(scope="module")
def python_image(backend):
    from gauntlet_python.image import spec

    return spec()


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"


class TestDockerConformance(SandboxConformance):
    @pytest.fixture(autouse=True)
    def _image(self, python_image):
        self.image = python_image


def test_no_network(backend, python_image, tmp_path):
    with backend.open(tmp_path, image=python_image, limits=Limits(timeout=30)) as s:
        r = s.exec(["python3", "-c", "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)"])
        assert r.exit_code != 0 and "unreachable" in r.stderr.lower() or "network" in r.stderr.lower()
        assert s.protections["network_isolated"]


def test_memory_limit_verdict_says_memory(backend, python_image, tmp_path):
    with backend.open(tmp_path, image=python_image, limits=Limits(timeout=60, memory_mb=128)) as s:
        r = s.exec(["python3", "-c", "x = bytearray(1024 * 1024 * 1024); print('allocated')"])
        assert r.killed_by_limit == "memory" and "allocated" not in r.stdout


def test_timeout_leaves_no_process_and_close_removes_the_container(backend, python_image, tmp_path):
    import docker

    from harness.sandbox.docker import _pool

    s = backend.open(tmp_path, image=python_image, limits=Limits(timeout=30))
    cid = s._ct.c.id
    r = s.exec(["sh", "-c", "sleep 100 & sleep 100"], timeout=1)
    assert r.timed_out
    cmdlines = "for p in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $p 2>/dev/null; echo; done"
    assert s.exec(["sh", "-c", f"{cmdlines} | grep -c '[s]leep 100'"]).stdout.strip() == "0"
    s.close()
    _pool.drain()
    with pytest.raises(docker.errors.NotFound):
        docker.from_env().containers.get(cid)


def test_warm_pool_reuses_containers_with_a_clean_workspace(backend, python_image, tmp_path):
    (tmp_path / "a.txt").write_text("a")
    first = backend.open(tmp_path, image=python_image, limits=Limits(timeout=31))
    first.write_file("junk.txt", "left over")
    cid = first._ct.c.id
    first.close()
    second = backend.open(tmp_path, image=python_image, limits=Limits(timeout=31))
    try:
        assert second._ct.c.id == cid
        assert second.exec(["ls", "-A"]).stdout.split() == ["a.txt"]
    finally:
        second.close()


def test_same_outcome_as_the_local_backend(backend):
    from harness.evaluate import CheckOptions, check
    from harness.rewards import default_reward

    for patch in (None, "fix.diff"):
        text = (EXAMPLE / patch).read_text() if patch else None
        local = check(EXAMPLE, CheckOptions(patch=text, backend="local"))
        docker_ = check(EXAMPLE, CheckOptions(patch=text, backend="docker"))
        assert docker_.infra_error is None, docker_.infra_error
        assert {t: r.status for t, r in docker_.tests.tests.items()} == {t: r.status for t, r in local.tests.tests.items()}
        assert default_reward(docker_).value == default_reward(local).value
