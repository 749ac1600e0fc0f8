"""Backend parity for language plugins: the same project and patches give the same outcomes everywhere.

A plugin "works under both backends" when every patch gives the same verdicts (patch applied, build
ok, per-test statuses, lint diagnostics by file and line) and the same reward under each of them.
A plugin's test calls::

    from harness.testing import assert_same_on_both_backends, docker_or_skip

    def test_same_outcomes_under_the_docker_backend():
        docker_or_skip()
        assert_same_on_both_backends(PROJECT, "cobol", {"known-good": None, "test fails": BREAKING_DIFF},
                                     {"known-good": 1.0, "test fails": 0.1})

The Docker side needs a running daemon and builds the plugin's image on first use (on the
bootstrapped Debian base when present, for machines that reach no registry).  Without a daemon the
test skips with the reason; where ``CI=true`` that is a failure.
"""

from __future__ import annotations

from pathlib import Path

from harness.evaluate import CheckOptions, check
from harness.rewards import default_reward
from harness.sandbox import Backend
from harness.testing.conformance import backend_or_skip


def docker_or_skip() -> Backend:
    """The Docker backend, or a skip (a failure where ``CI=true``); see ``backend_or_skip``."""
    return backend_or_skip("docker")


def verdicts(outcome) -> tuple:
    """What must agree between backends: (patch applied, build ok, {test: status}, lint (file, line, severity))."""
    tests = {t: r.status.value for t, r in outcome.tests.tests.items()} if outcome.tests else None
    lint = sorted((d.file, d.line, d.severity) for d in outcome.lint.diagnostics) if outcome.lint else None
    return (outcome.patch_applied, outcome.build.ok if outcome.build else None, tests, lint)


def assert_same_on_both_backends(project: Path, language: str, patches: dict[str, str | None],
                                 expected_rewards: dict[str, float] | None = None,
                                 docker_network: bool = False, lint: bool = True,
                                 backends: tuple[str, str] = ("local", "docker")) -> dict[str, float]:
    """Check ``project`` with each named patch (None: as it is) under both ``backends``; returns the
    rewards by name, and compares them with ``expected_rewards`` when given.

    ``docker_network`` gives the second backend network (to download dependencies that only the
    host's caches hold); ``lint=False`` leaves lint out where the two toolchains' linters differ by
    version.  ``backends`` are registered names: a third-party backend compares itself with ``local``."""
    first, second = backends
    rewards = {}
    for name, diff in patches.items():
        got = {}
        for backend in backends:
            network = docker_network and backend == second
            outcome = check(project, CheckOptions(language=language, patch=diff, backend=backend, network=network,
                                                  lint=lint))
            assert outcome.infra_error is None, f"{name} on {backend}: {outcome.infra_error}"
            got[backend] = (verdicts(outcome), default_reward(outcome).value)
        fields = ("patch applied", "build ok", "tests", "lint")
        differ = {f: (a, b) for f, a, b in zip(fields, got[first][0], got[second][0], strict=True) if a != b}
        assert not differ, f"{name}: {first} vs {second} differ: {differ}"
        assert got[second][1] == got[first][1], f"{name}: rewards differ {got}"
        rewards[name] = got[second][1]
    if expected_rewards is not None:
        assert rewards == expected_rewards
    return rewards
