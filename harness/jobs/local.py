"""The default job runner: a thread pool in this process (each job runs its own sandbox, so threads
are enough: the work happens in the sandbox's processes)."""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator

from harness.jobs import INFRA_TRIES, JobFailed, JobResult, Resources, run_job, unique_jobs


class LocalJobs:
    name = "local"

    def __init__(self, workers: int = 1):
        self.capacity = max(1, workers)

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple[str, tuple]], resources: Resources = Resources()
            ) -> Iterator[JobResult]:
        todo = unique_jobs(jobs)
        pool = ThreadPoolExecutor(self.capacity)
        running: dict[Future, tuple[str, tuple, int]] = {}
        try:
            while True:
                while len(running) < 2 * self.capacity:  # inputs are made only as their jobs are queued
                    job = next(todo, None)
                    if job is None:
                        break
                    running[pool.submit(run_job, fn, *job[1])] = (job[0], job[1], 1)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    job_id, args, tries = running.pop(fut)
                    out = fut.result()
                    if "error" in out and tries < INFRA_TRIES:
                        running[pool.submit(run_job, fn, *args)] = (job_id, args, tries + 1)
                        continue
                    yield JobResult(job_id, out.get("value"), out.get("error"), tries, out["node"], out["seconds"],
                                    out.get("versions"))
        finally:
            # The consumer stopped early (Ctrl-C, max reached): queued jobs never start, running ones finish.
            pool.shutdown(wait=True, cancel_futures=True)

    def call(self, fn: Callable[..., Any], *args: Any, resources: Resources = Resources()) -> Any:
        for _ in range(INFRA_TRIES):
            out = run_job(fn, *args)
            if "error" not in out:
                return out["value"]
        raise JobFailed(f"infrastructure failure (after {INFRA_TRIES} tries): {out['error']}")

    def share(self, obj: Any) -> Any:
        return obj

    def close(self) -> None:
        pass
