"""The reward engine: a batch of (completion, task) -> rewards with breakdowns, in parallel.

A task is a dict (a dataset column ``gauntlet_task``, as a dict or JSON text):
- solution: ``{"kind": "solution", "language": "python", "inputs": [...], "outputs": [...],
  "fn_name": null}`` (LiveCodeBench shape) or ``{"kind": "solution", "test": "...",
  "entry_point": "f", "prompt": "..."}`` (HumanEval shape);
- repository: ``{"kind": "repository", "repo": "/path/to/snapshot", "language": "rust",
  "tests": [ids] | null}``: the completion's patch is checked like ``gauntlet check``.

Identical (task, artefact) pairs in a batch or across calls (a GRPO group often repeats itself)
are run once: results are cached in memory, bounded.  Edits to tests or test configuration in a
patch are failures unless ``allow_test_edits``.

With a job runner (``runner``, e.g. Ray) the parsing and the cache stay here and each distinct
(task, artefact) runs as a job on the cluster (``score_job``); a repository task's tree is packed
once per engine and shipped with its jobs.  A job that fails on infrastructure twice gets the
table's infrastructure row (no reward), which is not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from harness import settings
from harness.errors import InfraError
from harness.outcome import BuildResult, Diagnostic, Outcome, Status, TestReport, TestResult
from harness.rewards import reward_for
from harness.rewards.parse import parse_completion
from harness.rewards.table import BUILD_FAILURE, Reward
from harness.sandbox import get_backend


def load_task(value: Any) -> dict | None:
    """A task from a dataset cell; None when the row is not a Gauntlet task.

    A column stored as a dict becomes an Arrow struct with the union of every row's keys, the
    missing ones None; those are dropped, so a row's shape is decided by the fields it has.  Arrays
    that came through pandas/numpy become lists."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else None
        except json.JSONDecodeError:
            return None
    if not isinstance(value, dict) or value.get("kind") not in ("solution", "repository"):
        return None
    return {k: v.tolist() if hasattr(v, "tolist") else v for k, v in value.items() if v is not None}


@dataclass
class EngineOptions:
    workers: int = 4
    timeout: float = 6.0  # per test case (solutions)
    repo_timeout: float = 300.0  # per step (repository tasks)
    cache_size: int = 4096
    allow_test_edits: bool = False
    backend: str = "local"  # where code runs: local (the jail) or docker


class RewardEngine:
    def __init__(self, options: EngineOptions | None = None, executor=None, runner=None, backend: str | None = None):
        """``executor``: the solution executor (default: the process-wide one, or a Docker one for
        ``backend="docker"``); ``runner``: a ``harness.jobs`` job runner that runs the scoring elsewhere
        (None: in this process); ``backend`` overrides ``options.backend``."""
        self.options = options or EngineOptions()
        if backend is not None:
            self.options = replace(self.options, backend=backend)
        if self.options.backend not in ("local", "docker"):
            raise ValueError(f"unknown backend {self.options.backend!r}; choose from: local, docker")
        self._executor = executor
        self.runner = runner
        self._trees: dict[str, Any] = {}  # repository path -> its packed tree, shared with the jobs
        workers = max(self.options.workers, runner.capacity) if runner is not None else self.options.workers
        self._pool = ThreadPoolExecutor(workers)
        self._cache: OrderedDict[str, Reward] = OrderedDict()
        self._inflight: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0

    @property
    def executor(self):
        if self._executor is None:
            from harness.benchmarks.executor import Executor, shared_executor

            with self._lock:
                if self._executor is None:
                    self._executor = shared_executor() if self.options.backend == "local" else Executor(
                        self.options.workers, backend=self.options.backend)
        return self._executor

    def score(self, completions: list[str], tasks: list[Any]) -> list[Reward | None]:
        """Rewards in order; None for rows that are not Gauntlet tasks."""
        if len(completions) != len(tasks):
            raise ValueError(f"{len(completions)} completions but {len(tasks)} tasks")
        futures = [None if load_task(t) is None else self._pool.submit(self.score_one, c, load_task(t))
                   for c, t in zip(completions, tasks, strict=False)]
        return [f.result() if f is not None else None for f in futures]

    def submit_one(self, completion: str, task: dict) -> Future:
        """``score_one`` on the engine's pool, for callers that wait with a deadline (the HTTP server)."""
        return self._pool.submit(self.score_one, completion, task)

    def score_one(self, completion: str, task: dict) -> Reward:
        want = "patch" if task["kind"] == "repository" else "code"
        parsed = parse_completion(completion, want)
        if parsed.error:
            outcome = Outcome(language=task.get("language"), format_error=parsed.error)
            r = reward_for(outcome, {"task": task, "kind": task["kind"]})
            return _with(r, parse=parsed.to_dict())
        key = hashlib.sha256(json.dumps([task, parsed.artefact], sort_keys=True).encode()).hexdigest()
        while True:
            with self._lock:
                if key in self._cache:
                    self.hits += 1
                    self._cache.move_to_end(key)
                    return _with(self._cache[key], parse=parsed.to_dict(), cached=True)
                event = self._inflight.get(key)
                if event is None:
                    event = self._inflight[key] = threading.Event()
                    break
            event.wait()  # the same artefact is being scored by another thread
        try:
            try:
                reward = self._run(task, parsed.artefact)
            except _Uncached as e:
                return _with(e.reward, parse=parsed.to_dict(), cached=False)
            except InfraError as e:  # the executor or a sandbox failed: no reward, not cached
                return _with(Reward(None, "infrastructure error", {"infra_error": str(e)}), parse=parsed.to_dict(),
                             cached=False)
            with self._lock:
                self._cache[key] = reward
                while len(self._cache) > self.options.cache_size:
                    self._cache.popitem(last=False)
        finally:
            with self._lock:
                self._inflight.pop(key).set()
        return _with(reward, parse=parsed.to_dict(), cached=False)

    def _run(self, task: dict, artefact: str) -> Reward:
        if self.runner is not None:
            return self._remote(task, artefact)
        if task["kind"] == "repository":
            return self._repository(task, artefact)
        return self._solution(task, artefact)

    def _solution(self, task: dict, code: str) -> Reward:
        language = task.get("language", "python")
        outcome = Outcome(language=language, backend="executor")
        if language == "python":
            source = _with_prompt(task, code) if "test" in task else code
            try:
                compile(source, "<solution>", "exec")  # parses only: nothing runs here
            except SyntaxError as e:
                outcome.build = BuildResult(ok=False, diagnostics=[Diagnostic(e.msg or "syntax error", "solution.py", e.lineno)])
                return reward_for(outcome, {"task": task, "kind": "solution"})
            outcome.build = BuildResult(ok=True)
            if "test" in task:
                program = source + "\n" + task["test"] + f"\ncheck({task['entry_point']})\n"
                r = self.executor.run_script(program, timeout=task.get("timeout", self.options.timeout))
                cases = {"check": r["passed"]}
            else:
                r = self.executor.run_tests(code, task["inputs"], task["outputs"], task.get("fn_name"),
                                            timeout=task.get("timeout", self.options.timeout),
                                            checker=task.get("checker", "lcb"))
                cases = {f"case_{i}": v is True for i, v in enumerate(r.get("results", []))}
        else:
            from harness.benchmarks import multilang

            r = multilang.grade(language, code, task["inputs"], task["outputs"], timeout=task.get("timeout", self.options.timeout),
                                backend=None if self.options.backend == "local" else get_backend(self.options.backend))
            if r["verdict"] == "compile_error":
                outcome.build = BuildResult(ok=False, diagnostics=[Diagnostic(r.get("error", "")[:500])])
                return reward_for(outcome, {"task": task, "kind": "solution"})
            outcome.build = BuildResult(ok=True)
            cases = {f"case_{i}": v is True for i, v in enumerate(r.get("results", []))}
        if not cases:
            cases = {"case_0": False}
        outcome.tests = TestReport(tests={k: TestResult(Status.PASSED if ok else Status.FAILED) for k, ok in cases.items()})
        if not r["passed"] and all(cases.values()):
            outcome.tests.tests["run"] = TestResult(Status.FAILED, message=r.get("verdict"))
        reward = reward_for(outcome, {"task": task, "kind": "solution"})
        return _with(reward, verdict=r.get("verdict"), failed_test=r.get("failed_test"))

    def _repository(self, task: dict, patch: str) -> Reward:
        from harness.benchmarks.swebench.guard import find_test_edits
        from harness.evaluate import CheckOptions, check

        edits = find_test_edits(patch)
        if edits and not self.options.allow_test_edits:
            return Reward(BUILD_FAILURE, "test edits rejected", {"test_edits": edits})
        outcome = check(task["repo"], CheckOptions(language=task.get("language"), patch=patch, selection=task.get("tests"),
                                                    timeout=task.get("timeout", self.options.repo_timeout),
                                                    backend=self.options.backend))
        return _with(reward_for(outcome, {"task": task, "kind": "repository"}), test_edits=edits)

    def _remote(self, task: dict, artefact: str) -> Reward:
        from harness.jobs import JobFailed, Resources
        from harness.jobs.trees import pack

        tree = None
        if task["kind"] == "repository":
            path = str(task["repo"])
            with self._lock:
                if path not in self._trees:
                    self._trees[path] = self.runner.share(pack(path))
                tree = self._trees[path]
        try:
            needs = Resources(cpus=1, docker=self.options.backend == "docker")
            reward = self.runner.call(score_job, task, artefact, self.options, tree, resources=needs)
        except JobFailed as e:
            raise _Uncached(Reward(None, "infrastructure error", {"infra_error": str(e)})) from e
        return reward

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Uncached(Exception):
    """Carries a reward that must not enter the cache (an infrastructure failure)."""

    def __init__(self, reward: Reward):
        super().__init__(reward.row)
        self.reward = reward


def score_job(task: dict, artefact: str, options: EngineOptions, tree: bytes | None = None) -> Reward:
    """One (task, artefact) scored where the job runs, on that process's warm engine; a repository
    task's tree arrives packed (``tree``) and is unpacked once per node process."""
    from dataclasses import replace

    from harness.jobs import node
    from harness.jobs.trees import unpack

    engine = node.cached(("reward-engine", repr(options)), lambda: RewardEngine(replace(options, workers=1),
                                                                      executor=node.solution_executor("full", options.backend)),
                         lambda e: e.close())
    if tree is not None:
        task = {**task, "repo": str(unpack(tree, "repo"))}
    return engine._run(task, artefact)


def _with_prompt(task: dict, code: str) -> str:
    """HumanEval-shaped tasks: a completion continues the prompt, but a chat model's fenced answer
    usually repeats the whole function.  Then the prompt comes first without its unfinished copy of
    that function (helpers and imports stay), and the answer's definition is the one called."""
    prompt, entry = task.get("prompt", ""), task.get("entry_point")
    defines = re.compile(rf"^(async\s+)?def\s+{re.escape(entry)}\s*\(", re.M) if entry else None
    if defines is None or not defines.search(code):
        return prompt + code
    try:
        compile(prompt, "<prompt>", "exec")
        return prompt + "\n" + code
    except SyntaxError:
        starts = [m.start() for m in defines.finditer(prompt)]
        return (prompt[: starts[-1]] if starts else "") + code


def _with(reward: Reward, **extra) -> Reward:
    return Reward(reward.value, reward.row, {**reward.breakdown, **extra})


_default: RewardEngine | None = None
_default_lock = threading.Lock()


def _forget_default() -> None:
    """A forked child (verl's prime manager scores in a process pool) builds its own engine: the
    parent's threads and executor pipes are not its own."""
    global _default, _default_lock
    _default, _default_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_default)


def default_engine() -> RewardEngine:
    """The engine behind the TRL / verl adapters.  ``GAUNTLET_RUNNER=ray`` runs its jobs on Ray (the
    cluster the trainer already joined, else ``GAUNTLET_RAY_ADDRESS`` / ``RAY_ADDRESS``)."""
    global _default
    with _default_lock:
        if _default is None:
            runner, name = None, settings.runner()
            if name != "local":
                from harness.jobs import get_runner

                runner = get_runner(name, address=settings.ray_address())
            _default = RewardEngine(runner=runner)
        return _default
