"""Jobs as Ray tasks (``--runner ray``): for runs that outgrow one machine.

Each job is a Ray task with a resource request (CPUs, memory, and the custom resource ``docker``
for jobs whose sandbox backend is Docker: a node started with ``ray start --resources='{"docker":
N}'`` has a Docker engine and takes up to N such sandboxes at once).  The task runs the normal
sandbox backend on its node.  Ray re-runs a task whose worker or node died (``max_retries``); our
own rule (``harness.jobs.INFRA_TRIES``) then applies to failures that remain.  At most a few
times the cluster's CPU count of jobs are in flight, so a large batch does not flood the object
store with its inputs, and stopping the iterator cancels the rest.

Every node needs the same Gauntlet and plugin versions installed as the driver (the manifest
records the driver's): each task carries the driver's versions, a node whose versions differ
refuses to run it, and the driver checks the versions every result reports
(``harness.jobs.versions``); a mismatch is an infrastructure failure.  No shared file system is
assumed.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator

from harness import settings
from harness.jobs import INFRA_TRIES, JobFailed, JobResult, Resources, RunnerUnavailable, run_checked, unique_jobs
from harness.jobs.ray_auth import present_token
from harness.jobs.versions import check, node_versions

NODE_RETRIES = 3  # Ray's re-runs of a job whose worker process or node died


class RayJobs:
    name = "ray"

    def __init__(self, address: str | None = None, node_retries: int = NODE_RETRIES):
        try:
            import ray
        except ImportError as e:
            raise RunnerUnavailable("--runner ray needs Ray: pip install 'gauntlet-harness[ray]'") from e
        self.ray = ray
        self.owned = not ray.is_initialized()
        if self.owned:
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False, "configure_logging": False}
            if address or os.environ.get("RAY_ADDRESS"):
                present_token()  # a cluster that `ray start` began after a local ray.init() wants Ray's token
            try:
                ray.init(address=address, **kwargs)
            except Exception as e:  # noqa: BLE001 - ConnectionError, RuntimeError...: all mean no cluster
                raise RunnerUnavailable(f"cannot reach the Ray cluster at {address or 'RAY_ADDRESS/local'}: {e}") from e
        self.node_retries = node_retries
        self._task = ray.remote(run_checked)
        self.versions = node_versions()  # the driver's: every node must have the same

    @property
    def capacity(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def _submit(self, fn: Callable[..., Any], args: tuple, resources: Resources):
        opts: dict[str, Any] = {"num_cpus": resources.cpus, "max_retries": self.node_retries, "retry_exceptions": False}
        if resources.memory_mb:
            opts["memory"] = resources.memory_mb * 2**20
        if resources.docker:
            opts["resources"] = {"docker": 1}
        # Settings that must mean the same on every node as on the driver (the image registry and
        # base image, part of an image's tag) travel with each job: Ray's runtime_env.
        env = settings.forwarded()
        if env:
            opts["runtime_env"] = {"env_vars": env}
        return self._task.options(**opts).remote(self.versions, fn, *args)

    def _get(self, ref) -> dict[str, Any]:
        try:
            return check(self.versions, self.ray.get(ref))
        except self.ray.exceptions.RayError as e:  # worker / node lost after Ray's retries, cancelled...
            return {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", "node": None, "seconds": 0.0}

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple[str, tuple]], resources: Resources = Resources()
            ) -> Iterator[JobResult]:
        todo = unique_jobs(jobs)
        limit = max(8, 2 * self.capacity)
        running: dict[Any, tuple[str, tuple, int]] = {}
        emitted: set[str] = set()
        try:
            while True:
                while len(running) < limit:  # inputs are made (and shipped) only as their jobs are queued
                    job = next(todo, None)
                    if job is None:
                        break
                    running[self._submit(fn, job[1], resources)] = (job[0], job[1], 1)
                if not running:
                    break
                refs = list(running)
                ready, rest = self.ray.wait(refs, num_returns=1)
                if rest:  # everything else that is already finished, without waiting
                    more, _ = self.ray.wait(rest, num_returns=len(rest), timeout=0)
                    ready += more
                for ref in ready:
                    job_id, args, tries = running.pop(ref)
                    out = self._get(ref)
                    if "error" in out and tries < INFRA_TRIES:
                        running[self._submit(fn, args, resources)] = (job_id, args, tries + 1)
                        continue
                    if job_id in emitted:  # exactly once, whatever happened underneath
                        continue
                    emitted.add(job_id)
                    yield JobResult(job_id, out.get("value"), out.get("error"), tries, out.get("node"), out.get("seconds", 0.0),
                                    out.get("versions"))
        finally:
            for ref in running:
                try:
                    self.ray.cancel(ref)  # not forced: a running job gets to close its sandbox
                except Exception:  # noqa: BLE001 - already finished or its node is gone
                    pass

    def call(self, fn: Callable[..., Any], *args: Any, resources: Resources = Resources()) -> Any:
        for _ in range(INFRA_TRIES):
            out = self._get(self._submit(fn, args, resources))
            if "error" not in out:
                return out["value"]
        raise JobFailed(f"infrastructure failure (after {INFRA_TRIES} tries): {out['error']}")

    def share(self, obj: Any) -> Any:
        return self.ray.put(obj)

    def close(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()
