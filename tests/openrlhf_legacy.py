"""Run by tests/test_rl_openrlhf.py with an older OpenRLHF release first on PYTHONPATH (0.8.x, 0.9.0):
its batched reward path, then ``update_samples_with_rewards``, printing what reached the samples.

    python tests/openrlhf_legacy.py http URL '{"query": [...], "prompts": [...], "labels": [...]}'
    python tests/openrlhf_legacy.py file PATH.py '{...}'

``http``: the release's ``remote_rm_fn_ray`` (``request_api_wrapper``: requests, 180 s, 5 tries) for
the whole batch, as its experience maker does.  ``file``: its ``RemoteRewardModel`` loads the reward
function file by path; the Ray remote function it makes is called in process (no Ray cluster here).
Only modules that cannot import without deepspeed, flash-attn or vLLM are left out: the packages
``openrlhf.models`` and ``openrlhf.trainer.ray`` are entered without their ``__init__`` (their real
submodules load), and ``openrlhf.trainer.ray.launcher`` (a type annotation here) is a stub.
"""

from __future__ import annotations

import json
import sys
import types
from importlib.metadata import version
from pathlib import Path


def _shells() -> None:
    import openrlhf

    root = Path(openrlhf.__file__).parent
    for name, sub in (("openrlhf.models", "models"), ("openrlhf.trainer.ray", "trainer/ray")):
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(root / sub)]
        sys.modules[name] = pkg
    launcher = types.ModuleType("openrlhf.trainer.ray.launcher")
    launcher.RayActorGroup = object
    sys.modules[launcher.__name__] = launcher


def main() -> None:
    mode, target, batch = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    _shells()
    import torch
    from openrlhf.trainer.ppo_utils import experience_maker
    from openrlhf.utils import remote_rm_utils

    queries, prompts, labels = batch["query"], batch["prompts"], batch["labels"]
    if mode == "http":
        rewards_info = [remote_rm_utils.remote_rm_fn_ray._function(target, queries, prompts, labels)]
    else:
        model = remote_rm_utils.RemoteRewardModel.__ray_metadata__.modified_class(types.SimpleNamespace(), target)
        rewards_info = [model.custom_reward_func._function(queries, prompts, labels)]
    samples = [experience_maker.Experience(sequences=torch.zeros(1, 4, dtype=torch.long),
                                            info={"response_length": torch.tensor([4.0])}) for _ in queries]
    experience_maker.update_samples_with_rewards(rewards_info, samples)
    print(json.dumps({"version": version("openrlhf"),
                      "rewards": [s.rewards.flatten().tolist() for s in samples],
                      "info": {k: [s.info[k].flatten().tolist() for s in samples] for k in samples[0].info}}))


if __name__ == "__main__":
    main()
