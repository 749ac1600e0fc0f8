"""Task generation on a cluster (``gauntlet tasks generate --runner ray``).

The clean tree of the task store is packed once and shared with every job; a job unpacks it once
per node process and keeps a sandbox session on it warm for the candidates that follow (as the
local worker threads do), so only the candidate (a ``Mutation``) and the stable tests travel per
job.  The baseline runs as one job too, so the driver needs neither the toolchains nor Docker.
Verdicts come back to the driver, which writes them as they arrive; a candidate whose job failed on
infrastructure twice gets no record (a rerun validates it again).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable

from harness.jobs import Resources, node
from harness.jobs.trees import pack, unpack
from harness.mutation import Mutation

JOB_MEMORY_MB = 1024


def session_spec(language: str, backend: str, limits, network: bool, key: str, registry: str | None = None) -> dict[str, Any]:
    return {"language": language, "backend": backend, "limits": limits, "network": network, "key": key, "registry": registry}


def _open(tree: Path, spec: dict[str, Any]):
    from harness.plugins import get_plugin_manager
    from harness.sandbox import backend_options, get_backend

    language = spec["language"]
    image = get_plugin_manager().for_language(language).gauntlet_image(language=language) if spec["backend"] == "docker" else None
    backend = get_backend(spec["backend"], **backend_options(spec["backend"], spec.get("registry")))
    # One build cache per node process: two processes on a node never share one at once.
    return backend.open(tree, language=language, image=image, limits=spec["limits"], network=spec["network"],
                        cache_key=f"{spec['key']}-ray{os.getpid()}")


def baseline_job(tree: bytes, spec: dict[str, Any]):
    """The clean tree's baseline, measured on a node."""
    from harness.plugins import get_plugin_manager
    from harness.tasks.generate import baseline

    session = _open(unpack(tree, "repo"), spec)
    try:
        return baseline(session, get_plugin_manager())
    finally:
        session.close()


def validate_job(tree: bytes, spec: dict[str, Any], mutation: Mutation, stable: list[str], related: list[str] | None,
                 fail_fast: bool) -> dict[str, Any]:
    """One candidate on this node process's warm session (opened on the first candidate)."""
    from harness.plugins import get_plugin_manager
    from harness.tasks.generate import validate

    key = ("tasks-session", hashlib.sha256(tree).hexdigest(), repr(spec))
    session = node.cached(key, lambda: _open(unpack(tree, "repo"), spec), lambda s: s.close())
    try:
        return validate(session, get_plugin_manager(), mutation, stable, related, fail_fast)
    except Exception:
        node.drop(key)  # the next try gets a fresh session
        raise


def run_baseline(runner, tree: Path, spec: dict[str, Any]):
    packed = runner.share(pack(tree))
    return packed, runner.call(baseline_job, packed, spec, resources=_resources(spec))


def validate_all(runner, packed, spec: dict[str, Any], todo: list[Mutation], stable: list[str],
                 related: Callable[[Mutation], list[str] | None], fail_fast: bool,
                 accept: Callable[[Mutation, dict | None], bool]) -> None:
    """Validate ``todo`` on the cluster; ``accept(mutation, record or None on infra failure)`` is
    called as each verdict arrives and returns False to stop (enough tasks kept)."""
    by_id = {m.id: m for m in todo}
    results = runner.map(validate_job, ((m.id, (packed, spec, m, stable, related(m), fail_fast)) for m in todo),
                       _resources(spec))
    try:
        for res in results:
            if not accept(by_id[res.job_id], res.value if res.ok else None):
                return
    finally:
        results.close()  # cancels the candidates still queued


def _resources(spec: dict[str, Any]) -> Resources:
    return Resources(cpus=1, memory_mb=JOB_MEMORY_MB, docker=spec["backend"] == "docker")
