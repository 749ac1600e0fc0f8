"""Shared by the plugin tests: the same project and patches under the local and the Docker backend.

A plugin "works under both backends" when every patch gives the same verdicts (patch applied,
build ok, per-test statuses, lint diagnostics by file and line) and the same reward on both.  The
Docker side needs a running daemon and builds the plugin's image on first use (on the bootstrapped
Debian base when present, since no registry is reachable here).  Locally the test skips with the
reason; in CI (CI=true) a missing daemon is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.evaluate import CheckOptions, check
from harness.rewards import default_reward
from harness.sandbox import SandboxError


def docker_or_skip():
    """The Docker backend, with GAUNTLET_BASE_IMAGE pointing at the local base where there is one."""
    try:
        from harness.sandbox import images
        from harness.sandbox.docker import DockerBackend

        backend = DockerBackend()
    except SandboxError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(reason=f"no Docker daemon: {e}")
    if images.exists(images.BOOTSTRAP_NAME):
        os.environ.setdefault("GAUNTLET_BASE_IMAGE", images.BOOTSTRAP_NAME)
    return backend


def verdicts(outcome) -> tuple:
    tests = {t: r.status.value for t, r in outcome.tests.tests.items()} if outcome.tests else None
    lint = sorted((d.file, d.line, d.severity) for d in outcome.lint.diagnostics) if outcome.lint else None
    return (outcome.patch_applied, outcome.build.ok if outcome.build else None, tests, lint)


def assert_same_on_both_backends(project: Path, language: str, patches: dict[str, str | None],
                                 expected_rewards: dict[str, float] | None = None,
                                 docker_network: bool = False, lint: bool = True) -> dict[str, float]:
    """Check ``project`` with each named patch locally and in Docker; returns the rewards by name.

    ``docker_network`` lets the container download dependencies that only the host's caches hold;
    ``lint=False`` leaves lint out where the two toolchains' linters differ by version."""
    rewards = {}
    for name, diff in patches.items():
        got = {}
        for backend in ("local", "docker"):
            network = docker_network and backend == "docker"
            outcome = check(project, CheckOptions(language=language, patch=diff, backend=backend, network=network,
                                                  lint=lint))
            assert outcome.infra_error is None, f"{name} on {backend}: {outcome.infra_error}"
            got[backend] = (verdicts(outcome), default_reward(outcome).value)
        fields = ("patch applied", "build ok", "tests", "lint")
        differ = {f: (a, b) for f, a, b in zip(fields, got["local"][0], got["docker"][0], strict=True) if a != b}
        assert not differ, f"{name}: local vs docker differ: {differ}"
        assert got["docker"][1] == got["local"][1], f"{name}: rewards differ {got}"
        rewards[name] = got["docker"][1]
    if expected_rewards is not None:
        assert rewards == expected_rewards
    return rewards
