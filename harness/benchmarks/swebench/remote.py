"""SWE-bench instances as jobs on a cluster (``gauntlet swebench --runner ray``).

The driver describes the environment (``RemoteEnvironment``: mode, backend, options) instead of
opening one, so it needs neither Docker nor the toolchains.  Each job carries everything its node
needs: the instance row, the prediction and, in own-environment mode, the repository checked out
at its base commit (a packed tree with that one commit), since no file system is shared.  The node
builds the environment for itself (official mode: the row's image, pulled by its Docker engine;
own mode: the language plugin's image built there from its spec, or the local backend), evaluates
the instance exactly as a local run does (one more try after an infrastructure failure), and sends
back the result, the per-instance log files and the image digests; the driver writes them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.benchmarks.swebench.environments import Environment, OfficialEnvironment, OwnEnvironment
from harness.benchmarks.swebench.instance import InstanceResult
from harness.benchmarks.swebench.repos import checkout, ensure_repo
from harness.errors import InfraError
from harness.jobs import Resources
from harness.jobs.trees import pack, unpack_to

JOB_MEMORY_MB = 2048  # what the scheduler reserves per instance (the sandbox's own limit is higher)


class RemoteEnvironment(Environment):
    """What each node's environment will be; opens nothing on the driver."""

    def __init__(self, mode: str, backend: str, repos: Path | None = None, clone: bool = False, fetch_deps: bool = False,
                 registry: str | None = None, push: bool = False, network: bool = True):
        super().__init__()
        self.mode, self.backend_name = mode, backend
        self.network = network and mode == "official"  # own mode evaluates offline
        self.repos, self.clone, self.fetch_deps, self.registry, self.push = repos, clone, fetch_deps, registry, push

    def spec(self) -> dict[str, Any]:
        return {"mode": self.mode, "backend": self.backend_name, "clone": self.clone, "fetch_deps": self.fetch_deps,
                "registry": self.registry, "push": self.push, "network": self.network}

    def open(self, instance: dict):
        raise RuntimeError("a RemoteEnvironment is opened on the nodes, by instance_job")


def repository_tree(env: RemoteEnvironment, instance: dict) -> bytes | None:
    """Own mode: the repository at the instance's base commit, packed with its .git (one commit)."""
    if env.mode != "own":
        return None
    source = ensure_repo(Path(env.repos), instance["repo"], env.clone)
    with tempfile.TemporaryDirectory(prefix="gauntlet-ship-") as tmp:
        return pack(checkout(source, instance["base_commit"], Path(tmp) / "tree"))


def instance_job(instance: dict, prediction: dict, spec: dict, tree: bytes | None, timeout: float,
                 reject_test_edits: bool) -> dict[str, Any]:
    """Runs on a node: evaluate one instance; returns the result, its log files, the images used and
    how this node got each (``obtained``: present, pulled from the registry, or built here)."""
    from harness.benchmarks.swebench.run import evaluate_instance
    from harness.plugins import get_plugin_manager
    from harness.sandbox import images as image_store

    with tempfile.TemporaryDirectory(prefix="gauntlet-swe-job-") as tmp:
        repos = Path(tmp) / "repos"
        if tree is not None:
            unpack_to(tree, repos / instance["repo"].replace("/", "__"))
        if spec["mode"] == "official":
            env: Environment = OfficialEnvironment(registry=spec.get("registry"), network=spec.get("network", True))
        else:
            env = OwnEnvironment(spec["backend"], repos, get_plugin_manager(), clone=False, fetch_deps=spec["fetch_deps"],
                                 registry=spec.get("registry"), push=spec.get("push", False))
        log_dir = Path(tmp) / "logs"
        result = evaluate_instance(env, instance, prediction, log_dir, timeout, reject_test_edits)
        files = {f.name: f.read_text(encoding="utf-8", errors="replace") for f in log_dir.iterdir() if f.is_file()} \
            if log_dir.is_dir() else {}
    obtained = {name: image_store.obtained[name] for name in env.images if name in image_store.obtained}
    return {"result": result, "files": files, "images": dict(env.images), "obtained": obtained}


def run_on(jobs, env: RemoteEnvironment, pending: list[dict], predictions: dict[str, dict], run_dir: Path, options,
           record: Callable[[dict, InstanceResult], dict]) -> None:
    """Evaluate ``pending`` as jobs; write each instance's files and record as its result arrives."""
    from harness.benchmarks.swebench.run import apply_quarantine, model_dir

    by_id = {i["instance_id"]: i for i in pending}
    resources = Resources(cpus=1, memory_mb=JOB_MEMORY_MB, docker=env.backend_name == "docker")

    def job_list() -> Iterator[tuple[str, tuple]]:
        for inst in pending:  # a tree is packed only when its job is about to be queued
            iid = inst["instance_id"]
            try:
                tree = repository_tree(env, inst)
            except InfraError as e:  # the driver's repository cache lacks it: as a local run reports it
                record(inst, _infra_result(run_dir / model_dir(predictions[iid]) / iid, iid, f"InfraError: {e}", 1))
                continue
            graded = apply_quarantine(inst, options.quarantine)
            yield iid, (graded, predictions[iid], env.spec(), tree, options.timeout, options.reject_test_edits)

    for res in jobs.map(instance_job, job_list(), resources):
        inst, pred = by_id[res.job_id], predictions[res.job_id]
        log_dir = run_dir / model_dir(pred) / res.job_id
        log_dir.mkdir(parents=True, exist_ok=True)
        if res.ok:
            for name, text in res.value["files"].items():
                (log_dir / name).write_text(text, encoding="utf-8")
            env.images.update(res.value["images"])
            result = res.value["result"]
        else:
            result = _infra_result(log_dir, res.job_id, res.error, res.tries)
        record(inst, result)


def _infra_result(log_dir: Path, iid: str, error: str, tries: int) -> InstanceResult:
    result = InstanceResult(iid, "error", error=f"infrastructure failure (after {tries} tries): {error}")
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "run_instance.log").write_text(result.error + "\n")
    return result
