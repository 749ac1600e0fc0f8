"""Run a SWE-bench evaluation: instances x predictions -> official per-instance logs and reports.

Layout of ``<output>/<run_id>/`` (the official harness's, so files move between the two):
``<model>/<instance_id>/{patch.diff, eval.sh, test_output.txt, report.json, run_instance.log}``,
the summary ``<model>.<run_id>.json``, plus Gauntlet's ``manifest.json`` and ``results.jsonl``
(one record per instance, written as each finishes: a rerun skips finished instances).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.benchmarks.swebench.environments import Environment
from harness.benchmarks.swebench.instance import (
    GAUNTLET_PARSER,
    InstanceResult,
    run_instance,
    run_native_instance,
)
from harness.benchmarks.swebench.summary import summarize, write_summary
from harness.errors import InfraError
from harness.results import Manifest, RunWriter, fingerprint
from harness.sandbox.base import SandboxError

INFRA_RETRIES = 1


@dataclass
class RunOptions:
    run_id: str
    output: Path = Path("logs/run_evaluation")
    workers: int = 1
    timeout: float = 1800.0
    reject_test_edits: bool = False
    rerun: bool = False
    dataset_name: str = ""
    extra_manifest: dict[str, Any] = field(default_factory=dict)


def run(
    instances: list[dict],
    predictions: dict[str, dict],
    env: Environment,
    options: RunOptions,
    on_result: Callable[[str, dict], None] | None = None,
    runner=None,
) -> dict[str, Any]:
    """Evaluate every instance that has a prediction; returns the summary (also written to disk).

    ``runner``: a ``harness.jobs`` job runner (Ray) that evaluates the instances on its nodes; the
    per-instance files and records come back here and are written as they arrive."""
    run_dir = options.output / options.run_id
    todo = [i for i in instances if i["instance_id"] in predictions]
    models = sorted({p.get("model_name_or_path", "unknown") for p in predictions.values()})
    manifest = Manifest(
        benchmark="swebench",
        model=",".join(models),
        backend=env.backend_name,
        dataset=options.dataset_name,
        dataset_fingerprint=fingerprint(sorted(todo, key=lambda r: r["instance_id"])),
        run_id=options.run_id,
        args={
            "workers": options.workers,
            "timeout": options.timeout,
            "mode": env.mode,
            "reject_test_edits": options.reject_test_edits,
            "predictions_sha256": _predictions_hash(predictions),
            **options.extra_manifest,
        },
    )
    manifest.versions["swebench"] = _swebench_version()
    writer = RunWriter(run_dir, manifest, resume=not options.rerun)
    results: dict[str, dict] = {k: v for k, v in writer.done.items()}
    pending = [i for i in todo if i["instance_id"] not in results]
    stop = threading.Event()

    def record(instance: dict, res: InstanceResult) -> dict:
        iid = instance["instance_id"]
        pred = predictions[iid]
        rec = writer.write(iid, {"model": pred.get("model_name_or_path"), "language": env.language_of(instance), **res.record()})
        results[iid] = rec
        if on_result:
            on_result(iid, rec)
        return rec

    def one(instance: dict) -> dict:
        pred = predictions[instance["instance_id"]]
        log_dir = run_dir / model_dir(pred) / instance["instance_id"]
        return record(instance, evaluate_instance(env, instance, pred, log_dir, options.timeout, options.reject_test_edits, stop))

    if runner is not None:
        from harness.benchmarks.swebench.remote import run_on

        try:
            run_on(runner, env, pending, predictions, run_dir, options, record)
        finally:
            writer.update_manifest(images=dict(env.images))
        return _finish(instances, predictions, results, run_dir, models, options)

    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    futures = {pool.submit(one, inst) for inst in pending}
    try:
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()
    except BaseException:
        stop.set()  # running instances finish their cleanup; queued ones never start
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        writer.update_manifest(images=dict(env.images))
        raise
    pool.shutdown(wait=True)
    writer.update_manifest(images=dict(env.images))
    return _finish(instances, predictions, results, run_dir, models, options)


def _finish(instances, predictions, results, run_dir: Path, models: list[str], options: RunOptions) -> dict[str, Any]:
    summary = summarize(instances, predictions, results, run_dir)
    for model in models:
        write_summary(summary, run_dir / f"{model.replace('/', '__')}.{options.run_id}.json")
    return summary


def model_dir(prediction: dict) -> str:
    return prediction.get("model_name_or_path", "unknown").replace("/", "__")


def evaluate_instance(env: Environment, instance: dict, pred: dict, log_dir: Path, timeout: float,
                      reject_test_edits: bool = False, stop: threading.Event | None = None) -> InstanceResult:
    """One instance, with one more try after an infrastructure failure; after that an "error" result."""
    iid = instance["instance_id"]
    last_error = None
    for _ in range(1 + INFRA_RETRIES):
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt
        started = time.monotonic()
        try:
            with env.open(instance) as (session, testbed):
                if instance.get("log_parser") == GAUNTLET_PARSER:
                    res = run_native_instance(session, instance, pred, log_dir, env.pm, reject_test_edits, timeout)
                else:
                    res = run_instance(session, testbed, instance, pred, log_dir, timeout, reject_test_edits)
            # The whole instance, environment set-up and tear-down included.
            res.total_seconds = time.monotonic() - started
            return res
        except (InfraError, SandboxError, OSError) as e:
            last_error = f"{type(e).__name__}: {e}"
    res = InstanceResult(iid, "error", error=f"infrastructure failure (after {1 + INFRA_RETRIES} tries): {last_error}")
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "run_instance.log").write_text(res.error + "\n")
    return res


def _predictions_hash(predictions: dict[str, dict]) -> str:
    data = json.dumps(predictions, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def _swebench_version() -> str:
    from importlib.metadata import version

    return version("swebench")
