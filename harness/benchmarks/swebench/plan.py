"""What an evaluation's settings resolve to: the instances and predictions, the mode (the rows'
official images, or the language plugin's image and a store of git clones), the sandbox backend
and the environment that opens each instance's sandbox.

``gauntlet swebench`` is these functions and ``run.run``; a Python user gets the same results:

    p = plan("multilingual-test.parquet", gold=True, instance_ids=["sharkdp__bat-1892"], mode="own", repos=Path("repos"))
    summary = run(p.instances, p.predictions, open_environment(p), RunOptions(run_id="gold"))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError

MODES = ("official", "own", "auto")


@dataclass
class Plan:
    instances: list[dict[str, Any]]
    predictions: dict[str, dict[str, Any]]  # instance_id -> prediction, for the selected instances only
    mode: str  # official | own
    backend: str  # local | docker
    repos: Path | None  # the store of git clones (own mode)
    label: str  # gold, empty or the predictions file's stem: what a default run id starts with


def plan(
    dataset: str,
    split: str = "test",
    *,
    predictions: Path | None = None,
    gold: bool = False,
    empty: bool = False,
    instance_ids: list[str] | None = None,
    repo_names: list[str] | None = None,
    languages: list[str] | None = None,
    mode: str = "auto",
    backend: str = "auto",
    repos: Path | None = None,
    image_registry: str | None = None,
    push_images: bool = False,
) -> Plan:
    """Load and select the instances, take their predictions (a file, the gold patches or empty
    ones: exactly one), and resolve ``auto``: generated tasks (log parser ``gauntlet``) run in own
    mode on the local backend from the store they name; others in official mode on Docker.
    ``UsageError`` (``DatasetError`` included) for settings that cannot work together."""
    from harness.benchmarks.swebench.dataset import load_instances, select
    from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions, load_predictions

    if sum(bool(x) for x in (predictions, gold, empty)) != 1:
        raise UsageError("give exactly one of --predictions FILE, --gold or --empty")
    if mode not in MODES:
        raise UsageError("--mode must be 'official', 'own' or 'auto'")
    rows = load_instances(dataset, split)
    instances = select(rows, ids=instance_ids, repos=repo_names, languages=languages)
    if gold:
        preds = gold_predictions(instances)
    elif empty:
        preds = empty_predictions(instances)
    else:
        loaded = load_predictions(predictions)
        unknown = sorted(set(loaded) - {r["instance_id"] for r in rows})
        if unknown:  # as the official harness: a prediction for another dataset is a mistake, not noise
            raise UsageError(f"{len(unknown)} prediction id(s) not in {dataset} ({split}): {', '.join(unknown[:20])}"
                             + (" ..." if len(unknown) > 20 else ""))
        wanted = {i["instance_id"] for i in instances}
        preds = {k: v for k, v in loaded.items() if k in wanted}
    if not instances:
        raise UsageError("no instance matches the selection")
    generated = all(i.get("log_parser") == "gauntlet" for i in instances)
    if mode == "auto":
        mode = "own" if generated else "official"
    if backend == "auto":
        backend = "local" if generated else "docker"
    if mode == "own" and repos is None:
        stores = {i.get("repos_dir") for i in instances}
        if len(stores) != 1 or None in stores:
            raise UsageError("--mode own needs --repos DIR (a folder of git clones named owner__name)")
        repos = Path(stores.pop())
    if push_images and not image_registry:
        raise UsageError("--push-images needs --image-registry REGISTRY")
    if mode == "official" and backend != "docker":
        raise UsageError("official images run only under --backend docker")
    label = "gold" if gold else "empty" if empty else Path(predictions).stem
    return Plan(instances, preds, mode, backend, repos, label)


def open_environment(p: Plan, *, clone: bool = False, fetch_deps: bool = False, registry: str | None = None,
                     push: bool = False, remote: bool = False, pm=None, network: bool = True,
                     env_specs: Path | None = None, python_fallback: bool = False):
    """The environment of ``p``: official (the rows' images) or own (the plugin's image and the
    clones in ``p.repos``); ``remote``: a description that each node of a job runner opens itself.
    ``network``: official mode's eval scripts run with network, as the official harness's do; own
    mode evaluates offline whatever it says (its dependencies are fetched when its image is built).
    ``env_specs`` / ``python_fallback``: Python instances' environments (``python_env``; own mode).
    ``SandboxError`` (an infrastructure error) when it cannot be opened here."""
    if env_specs is not None and (p.mode != "own" or remote):
        raise UsageError("--env-specs works in own mode (--mode own), without a job runner (--runner ray)")
    if remote:
        from harness.benchmarks.swebench.remote import RemoteEnvironment

        return RemoteEnvironment(p.mode, p.backend, p.repos, clone=clone, fetch_deps=fetch_deps, registry=registry, push=push,
                                 network=network)
    from harness.benchmarks.swebench.environments import OfficialEnvironment, OwnEnvironment

    if p.mode == "official":
        return OfficialEnvironment(registry=registry, network=network)
    from harness.plugins import get_plugin_manager

    return OwnEnvironment(p.backend, p.repos, pm or get_plugin_manager(), clone=clone, fetch_deps=fetch_deps,
                          registry=registry, push=push, env_specs=env_specs, python_fallback=python_fallback)
