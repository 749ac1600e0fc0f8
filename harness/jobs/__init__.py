"""Where sandbox jobs run, the job runner: threads on this machine (``local``, the default) or tasks
on a Ray cluster (``ray``); ``--runner`` chooses.

A job is a module-level function plus self-contained arguments (an instance row, a patch, a
problem, a packed tree): nothing is read from a shared file system, so the same job runs in this
process's thread pool or on any node of a Ray cluster, whose sandbox backend (and images, built
there from the plugin's spec) it uses.  Results stream back to the driver, which alone writes them
(``RunWriter``), each job id exactly once.

One failure rule for both runners: an exception escaping a job is an infrastructure failure (job
functions turn the model's failures into verdicts, never into exceptions).  A job gets
``INFRA_TRIES`` tries; after that it is reported as an infrastructure failure, never as the
model's.  On Ray, a lost node or worker process first makes Ray re-run the job elsewhere
(``max_retries``); only when those retries are spent does that count as one try.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from harness.errors import InfraError

INFRA_TRIES = 2
RUNNERS = ("local", "ray")


@dataclass(frozen=True)
class Resources:
    """What one job needs from a node (Ray schedules on it; the local runner ignores it)."""

    cpus: float = 1.0
    memory_mb: int | None = None
    docker: bool = False  # needs a node that declares the custom resource "docker" (a Docker engine)


@dataclass
class JobResult:
    job_id: str
    value: Any = None
    error: str | None = None  # set when every try failed on infrastructure
    tries: int = 1
    node: str | None = None
    seconds: float = 0.0
    versions: dict[str, str] | None = None  # Gauntlet and plugin versions where it ran (harness.jobs.versions)

    @property
    def ok(self) -> bool:
        return self.error is None


class JobFailed(InfraError):
    """A job failed on infrastructure on every try (``JobRunner.call``); a job never fails for the
    model's code, whose failures are verdicts."""


class RunnerUnavailable(InfraError):
    """The job runner cannot start (Ray not installed, cluster unreachable): an infrastructure error."""


class JobRunner(Protocol):
    """Runs jobs: ``LocalJobs`` (threads) or ``RayJobs`` (a Ray cluster), from ``get_runner``."""

    name: str
    capacity: int  # jobs that can run at once

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple[str, tuple]], resources: Resources = Resources()
            ) -> Iterator[JobResult]:
        """Run ``fn(*args)`` for every ``(job_id, args)``; yield each job's result once, as it finishes."""
        ...

    def call(self, fn: Callable[..., Any], *args: Any, resources: Resources = Resources()) -> Any:
        """One job, blocking; its value, or ``JobFailed`` when every try failed."""
        ...

    def share(self, obj: Any) -> Any:
        """A handle for a large input passed to many jobs (sent to the cluster once); pass it as a
        top-level argument."""
        ...

    def close(self) -> None: ...


def run_job(fn: Callable[..., Any], *args: Any) -> dict[str, Any]:
    """The wrapper that runs where the job runs: the value, or the exception as text, never a raise
    (so a failure crosses process and machine boundaries as plain data)."""
    start = time.monotonic()
    try:
        out: dict[str, Any] = {"value": fn(*args)}
    except Exception as e:  # noqa: BLE001 - every escape from a job is an infrastructure failure
        tail = "".join(traceback.format_exception(type(e), e, e.__traceback__)[-3:])
        out = {"error": f"{type(e).__name__}: {e}", "trace": tail[-2000:]}
    out["node"] = node_name()
    out["seconds"] = time.monotonic() - start
    out["versions"] = node_versions()
    return out


def run_checked(driver_versions: dict[str, str], fn: Callable[..., Any], *args: Any) -> dict[str, Any]:
    """``run_job`` on a node of a cluster: refused, without running, when this node's Gauntlet or
    plugin versions differ from the driver's (``driver_versions``)."""
    from harness.jobs.versions import compare, mismatch_error

    mine = node_versions()
    differences = compare(driver_versions, mine)
    if differences:
        node = node_name()
        return {"error": mismatch_error(differences, node), "node": node, "seconds": 0.0, "versions": mine}
    return run_job(fn, *args)


def node_versions() -> dict[str, str]:
    from harness.jobs.versions import node_versions as versions

    return versions()


def node_name() -> str:
    """The Ray node id inside a Ray worker, else host name and pid."""
    import sys

    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        try:
            return ray.get_runtime_context().get_node_id()
        except Exception:  # noqa: BLE001 - not inside a worker
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def unique_jobs(jobs: Iterable[tuple[str, tuple]]) -> Iterator[tuple[str, tuple]]:
    """The jobs, consumed lazily (a job's inputs may be made only when it is about to start), each
    id once: a repeated id is a caller's bug."""
    seen: set[str] = set()
    for job_id, args in jobs:
        if job_id in seen:
            raise ValueError(f"job id {job_id!r} given twice")
        seen.add(job_id)
        yield job_id, tuple(args)


def get_runner(name: str = "local", workers: int = 1, address: str | None = None) -> JobRunner:
    """``local``: a thread pool of ``workers``; ``ray``: the cluster at ``address`` (None: $RAY_ADDRESS
    or a new single-node Ray on this machine).  ``ValueError`` for an unknown name."""
    if name == "local":
        from harness.jobs.local import LocalJobs

        return LocalJobs(workers)
    if name == "ray":
        from harness.jobs.on_ray import RayJobs

        return RayJobs(address)
    raise ValueError(f"unknown job runner {name!r}; choose from: {', '.join(RUNNERS)}")
