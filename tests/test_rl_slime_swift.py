"""Gauntlet's rewards through slime's and ms-swift's own code.

slime: its reward hub (``async_rm`` for one sample, ``batched_async_rm`` for a group, as
``--group-rm`` does) loads ``--custom-rm-path`` and calls it with slime's own ``Sample``.  slime is
not on PyPI (the ``slime`` there is another project), so these run against a checkout of
github.com/THUDM/slime named by ``GAUNTLET_SLIME_SRC`` (or an installed slime), and skip otherwise.

ms-swift (from PyPI, installed without its dependencies): its ``import_external_file`` loads the
plugin file, which must register ``gauntlet`` in ``swift.rewards.orms``; its GRPO reward step
(``compute_rewards_per_func``) then calls the ORM on its own ``GRPOSample`` rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from argparse import Namespace

import pytest

from harness.rewards.engine import EngineOptions, RewardEngine

DOUBLE = json.dumps({"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"]})
RIGHT = "Here you go:\n```python\nprint(int(input()) * 2)\n```\n"
WRONG = "```python\nprint(0)\n```"


@pytest.fixture
def engine(monkeypatch):
    e = RewardEngine(EngineOptions(workers=2))
    monkeypatch.setattr("harness.rewards.engine._default", e)
    yield e
    e.close()


def _slime():
    src = os.environ.get("GAUNTLET_SLIME_SRC")
    if src and src not in sys.path:
        sys.path.insert(0, src)
    try:
        from slime.rollout import rm_hub
        from slime.utils.types import Sample
    except ImportError as e:
        pytest.skip(reason=f"slime is not importable ({e}); it is not on PyPI: set GAUNTLET_SLIME_SRC to a THUDM/slime checkout")
    return rm_hub, Sample


def test_slime_custom_rm_single_and_group(engine):
    rm_hub, Sample = _slime()
    args = Namespace(custom_rm_path="harness.rewards.slime.rm", rm_type=None, reward_key=None)
    one = Sample(prompt="Double it.", response=RIGHT, label=DOUBLE)
    assert asyncio.run(rm_hub.async_rm(args, one)) == 1.0 and one.metadata["gauntlet_row"] == "tests pass and lint clean"

    group = [Sample(prompt="Double it.", response=r, label=DOUBLE) for r in (RIGHT, WRONG, "no code")]
    group.append(Sample(prompt="Double it.", response=RIGHT, label=None, metadata={"gauntlet_task": DOUBLE}))
    group.append(Sample(prompt="Double it.", response=RIGHT, label=""))  # no task: no reward, out of the loss
    rewards = asyncio.run(rm_hub.batched_async_rm(args, group))  # what --group-rm runs
    assert rewards == [1.0, 0.1, -1.0, 1.0, 0.0]
    for s, r in zip(group, rewards, strict=True):
        s.reward = r
    assert [s.get_reward_value(args) for s in group] == rewards
    assert [s.remove_sample for s in group] == [False, False, False, False, True]
    assert "--label-key gauntlet_task" in group[-1].metadata["gauntlet_infra"]


def _swift():
    pytest.importorskip("swift.rewards", reason="ms-swift is not installed (pip install --no-deps ms-swift; see .ci/run)")
    from swift.rewards import orms
    from swift.rl_core.data import GRPOSample
    from swift.rl_core.grpo_algorithm import compute_rewards_per_func
    from swift.utils import import_external_file

    return orms, GRPOSample, compute_rewards_per_func, import_external_file


def test_swift_external_plugin_registers_gauntlet_orm(engine):
    orms, GRPOSample, compute_rewards_per_func, import_external_file = _swift()
    path = subprocess.run([sys.executable, "-m", "harness.rewards.swift"], capture_output=True, text=True,
                          check=True).stdout.strip()
    import_external_file(path)
    orm = orms["gauntlet"](args=None)  # as swift's trainer builds --reward_funcs gauntlet

    def sample(answer: str, task: str | None) -> GRPOSample:
        row = {"messages": [{"role": "user", "content": "Double it."}, {"role": "assistant", "content": answer}]}
        return GRPOSample.from_row({**row, "gauntlet_task": task})

    samples = [sample(RIGHT, DOUBLE), sample(WRONG, DOUBLE), sample("```python\ndef f(:\n```", DOUBLE), sample(RIGHT, None)]
    rewards = compute_rewards_per_func(samples, [orm], None, device="cpu")
    values = rewards[:, 0].tolist()
    assert values[:3] == pytest.approx([1.0, 0.1, -0.3]) and values[3] != values[3]  # a row without a task: NaN

    from harness.errors import UsageError

    bare = GRPOSample.from_row({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": RIGHT}]})
    with pytest.raises(UsageError, match="gauntlet_task"):
        compute_rewards_per_func([bare], [orm], None, device="cpu")
