"""The bundled examples (one small project per language, the README's quick start) give the outcome
each of their four patches is named for, under the default local backend with the real toolchains.

One check per patch: the caches (Go's build cache, Cargo's target dir, the TypeScript package's
prepared node_modules) fill on the first check of an example and serve the other three.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.evaluate import CheckOptions, check
from harness.plugins import get_plugin_manager
from harness.rewards import default_reward

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# (language, project, the tools it needs on PATH)
PROJECTS = [
    ("python", "slugify", ()),
    ("rust", "wordcount", ("cargo",)),
    ("go", "wordcount", ("go",)),
    ("typescript", "wordcount", ("node", "npm")),
]

# patch file -> (reward, the reward table's row)
EXPECTED = {
    "fix.diff": (1.0, "tests pass and lint clean"),
    "failing.diff": (0.1, "builds, tests fail"),
    "broken.diff": (-0.3, "build / syntax failure"),
    "fix-with-warning.diff": (0.7, "tests pass, lint warnings"),
}


def test_every_example_has_the_four_patches():
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(lang for lang, _, _ in PROJECTS)
    for language, name, _ in PROJECTS:
        assert {p.name for p in (EXAMPLES / language / name).glob("*.diff")} == set(EXPECTED), language


@pytest.mark.parametrize("language,name,tools", PROJECTS, ids=[p[0] for p in PROJECTS])
def test_each_patch_gives_its_outcome(language, name, tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(reason=f"the {language} toolchain is not installed ({', '.join(missing)} not on PATH)")
    if language not in get_plugin_manager().languages():
        pytest.skip(reason=f"gauntlet-{language} is not installed (pip install -e plugins/{language})")
    project = EXAMPLES / language / name
    got = {}
    for patch in EXPECTED:
        outcome = check(project, CheckOptions(language=language, patch=(project / patch).read_text()))
        if outcome.infra_error and language == "typescript" and "could not install" in outcome.infra_error:
            pytest.skip(reason=f"the npm registry is not reachable: {outcome.infra_error[-300:]}")
        assert outcome.infra_error is None, f"{patch}: {outcome.infra_error}"
        assert outcome.patch_applied, f"{patch}: {outcome.patch_error}"
        reward = default_reward(outcome)
        got[patch] = (reward.value, reward.row)
        if patch == "broken.diff":
            assert outcome.build.errors and outcome.tests is None
        if patch == "failing.diff":
            assert outcome.build is None or outcome.build.ok
            assert outcome.tests.counts["failed"] >= 1
        if patch == "fix-with-warning.diff":
            assert outcome.tests.passed and outcome.lint.diagnostics
    assert got == EXPECTED
