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
from harness.errors import InfraError, UsageError
from harness.results import Manifest, RunWriter, atomic_write_text, fingerprint
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
    # instance_id -> FAIL_TO_PASS / PASS_TO_PASS tests that do not count (``--quarantine``, made by
    # ``--validate``); each report.json lists them under "quarantined".
    quarantine: dict[str, list[str]] = field(default_factory=dict)


# Options that change an instance's result: a resumed run must have been made with the same ones.
RESULT_OPTIONS = ("mode", "backend", "timeout", "reject_test_edits", "network", "quarantine_sha256")


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
    network = bool(getattr(env, "network", False))
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
            "network": network,
            "quarantine_sha256": _hash(options.quarantine) if options.quarantine else None,
            "predictions_sha256": _hash(predictions),
            **options.extra_manifest,
        },
    )
    manifest.versions["swebench"] = _swebench_version()
    if not options.rerun:
        check_resume(run_dir, manifest.args, instances, predictions)
    writer = RunWriter(run_dir, manifest, resume=not options.rerun)
    results: dict[str, dict] = {k: v for k, v in writer.done.items()}
    pending = [i for i in todo if i["instance_id"] not in results]
    stop = threading.Event()

    def record(instance: dict, res: InstanceResult) -> dict:
        iid = instance["instance_id"]
        pred = predictions[iid]
        if res.report and options.quarantine.get(iid):
            res.report[iid]["quarantined"] = sorted(options.quarantine[iid])
            log_dir = run_dir / model_dir(pred) / iid
            if (log_dir / "report.json").exists():
                atomic_write_text(log_dir / "report.json", json.dumps(res.report, indent=4))
        rec = writer.write(iid, {"model": pred.get("model_name_or_path"), "language": env.language_of(instance),
                                 "patch_sha256": _hash(pred.get("model_patch") or ""),
                                 "instance_sha256": _hash(instance), **res.record()})
        results[iid] = rec
        if on_result:
            on_result(iid, rec)
        return rec

    def one(instance: dict) -> dict:
        pred = predictions[instance["instance_id"]]
        log_dir = run_dir / model_dir(pred) / instance["instance_id"]
        graded = apply_quarantine(instance, options.quarantine)
        return record(instance, evaluate_instance(env, graded, pred, log_dir, options.timeout, options.reject_test_edits, stop))

    if runner is not None:
        from harness.benchmarks.swebench.remote import run_on

        try:
            run_on(runner, env, pending, predictions, run_dir, options, record)
        finally:
            writer.update_manifest(images=dict(env.images))
        return _finish(instances, predictions, results, run_dir, models, options, network)

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
    return _finish(instances, predictions, results, run_dir, models, options, network)


def _finish(instances, predictions, results, run_dir: Path, models: list[str], options: RunOptions,
            network: bool) -> dict[str, Any]:
    summary = summarize(instances, predictions, results, run_dir, network=network)
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
        session = None
        try:
            with env.open(instance) as (session, testbed):
                if instance.get("log_parser") == GAUNTLET_PARSER:
                    res = run_native_instance(session, instance, pred, log_dir, env.pm, reject_test_edits, timeout)
                else:
                    res = run_instance(session, testbed, instance, pred, log_dir, timeout, reject_test_edits,
                                       network=bool(getattr(session, "network", False)))
            # The whole instance, environment set-up and tear-down included.
            res.total_seconds = time.monotonic() - started
            return res
        except (InfraError, SandboxError, OSError) as e:
            last_error = f"{type(e).__name__}: {e}"
        finally:  # the sandbox's workspace was a temporary copy: its cache volume goes with it
            if session is not None and hasattr(session, "discard"):
                session.discard()
    res = InstanceResult(iid, "error", error=f"infrastructure failure (after {1 + INFRA_RETRIES} tries): {last_error}")
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "run_instance.log").write_text(res.error + "\n")
    return res


def apply_quarantine(instance: dict, quarantine: dict[str, list[str]]) -> dict:
    """The instance as it is graded: its quarantined tests taken out of FAIL_TO_PASS and PASS_TO_PASS."""
    skip = set(quarantine.get(instance["instance_id"], ()))
    if not skip:
        return instance
    return {**instance, **{k: [t for t in instance.get(k) or [] if t not in skip] for k in ("FAIL_TO_PASS", "PASS_TO_PASS")}}


def check_resume(run_dir: Path, args: dict[str, Any], instances: list[dict], predictions: dict[str, dict]) -> None:
    """A resumed run keeps its finished results: refuse when they were made with other options, or
    from another prediction or instance row, which would mix two runs under one manifest."""
    from harness.results import MANIFEST, RESULTS, read_manifest, read_records

    if not (run_dir / MANIFEST).exists() or not (run_dir / RESULTS).exists():
        return
    old = read_manifest(run_dir).get("args", {})
    changed = [f"{k} {old[k]!r} -> {args.get(k)!r}" for k in RESULT_OPTIONS if k in old and old[k] != args.get(k)]
    by_id = {i["instance_id"]: i for i in instances}
    moved = []
    for rec in read_records(run_dir / RESULTS):
        iid = rec["task_id"]
        if iid in predictions and rec.get("patch_sha256") not in (None, _hash(predictions[iid].get("model_patch") or "")):
            moved.append(f"{iid} (prediction)")
        elif iid in by_id and rec.get("instance_sha256") not in (None, _hash(by_id[iid])):
            moved.append(f"{iid} (dataset row)")
    if changed or moved:
        what = "; ".join(filter(None, [", ".join(changed), "changed: " + ", ".join(moved[:5]) if moved else ""]))
        raise UsageError(f"run {run_dir.name!r} has results made differently ({what}): pass --rerun to evaluate "
                         "again, or choose another --run-id")


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _swebench_version() -> str:
    from importlib.metadata import version

    return version("swebench")
