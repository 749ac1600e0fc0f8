"""An episode: a task, one warm sandbox session, tools until submit or a budget; graded at submit.

    ep = Episode(task, EpisodeOptions())
    obs = ep.reset()                      # problem statement + repository layout
    obs = ep.step({"name": "read_file", "arguments": {"path": "src/lib.rs"}})
    ...
    obs = ep.step({"name": "submit", "arguments": {}})   # obs.done, obs.reward, ep.result
    ep.close()

The session is opened once (no rebuild per call) on the task's tree in a fresh one-commit git
repository (``harness.env.workspace``) and is isolated like any untrusted code (the jail or
Docker).  A malformed call, an unknown tool or a refused one (leaving the workspace, git internals,
editing tests) is an observation that says so, never an exception; refusals are recorded and the
reward says so.  Every call, observation and the grade go to the trajectory (``harness.env.trajectory``).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.env import calls
from harness.env.tools import TOOLS, BadCall, Observation, Refused
from harness.env.workspace import TaskInfo, prepare, remove, task_info
from harness.errors import GauntletError, UsageError
from harness.sandbox import Limits, SandboxError, get_backend
from harness.sandbox.base import workspace_key

GIT = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "diff.external=",
       "-c", "safe.directory=*"]


@dataclass
class EpisodeOptions:
    """Budgets and grading switches of an episode."""

    backend: str = "local"  # where the code runs: local (the jail) or docker
    max_steps: int = 50  # tool calls, malformed ones included; at the limit the episode is submitted
    max_seconds: float = 1800.0  # wall time of the episode; past it the next call submits
    tool_timeout: float = 300.0  # per command in the sandbox (build, tests)
    max_output_chars: int = 12000  # longer observation text is cut in the middle, with a marker
    allow_test_edits: bool = False  # the reward table's rule: edits to tests are refused unless allowed
    roles: tuple[str, ...] = ("coder", "debugger", "reviewer")  # "tester" is added when the diff adds tests
    debugger_k: int = 3  # the Debugger's reward: fixed within k test runs
    tester_mutants: int = 6  # plugin mutants (plus the task's own bug) for the Tester's mutation score
    network: bool = False  # the agent's commands may reach the network; off unless the user opts in
    fetch_deps: bool = False  # a networked session builds the task once first, filling the dependency caches
    grade_timeout: float = 600.0
    trajectory: str | None = None  # a JSONL file: one record per episode, appended at close

    def __post_init__(self):
        if self.max_steps < 1 or self.max_seconds <= 0 or self.max_output_chars < 200:
            raise UsageError("max_steps >= 1, max_seconds > 0 and max_output_chars >= 200, please")


@dataclass
class Metrics:
    calls: int = 0
    malformed: int = 0
    refused: int = 0
    tool_errors: int = 0
    test_runs: int = 0
    test_runs_to_green: int | None = None
    diff_lines: int = 0
    seconds: float = 0.0
    env_seconds: float = 0.0  # time spent inside tools (the trainer's share of time in the environment)

    @property
    def format_accuracy(self) -> float:
        return 1.0 if self.calls == 0 else round(1 - self.malformed / self.calls, 6)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "format_accuracy": self.format_accuracy}


class Episode:
    def __init__(self, task: dict[str, Any] | str, options: EpisodeOptions | None = None, pm=None,
                 repos_dir: str | Path | None = None):
        """Opens the sandbox; ``UsageError`` for a bad task, ``InfraError`` when the sandbox fails."""
        from harness.evaluate import resolve_language
        from harness.plugins import get_plugin_manager

        self.id = uuid.uuid4().hex[:16]
        self.options = options or EpisodeOptions()
        self.pm = pm or get_plugin_manager()
        self.info: TaskInfo = task_info(task, repos_dir)
        started = time.monotonic()
        workspace = prepare(self.info)
        try:
            self.language = resolve_language(workspace, self.info.language, self.pm)
            self.info = dataclasses.replace(self.info, language=self.language)
            self.hooks = self.pm.for_language(self.language)
            backend = get_backend(self.options.backend)
            image = None if self.options.backend == "local" else self.hooks.gauntlet_image(language=self.language)
            limits = Limits(timeout=self.options.tool_timeout)
            if self.options.fetch_deps:
                prep = backend.open(workspace, language=self.language, image=image, limits=limits, network=True,
                                    cache_key=self.cache_key)
                try:
                    self.hooks.gauntlet_build(session=prep)
                finally:
                    prep.close()
            self.session = backend.open(workspace, language=self.language, image=image, limits=limits,
                                        network=self.options.network, cache_key=self.cache_key)
        except (SandboxError, OSError) as e:
            from harness.errors import InfraError

            raise InfraError(f"cannot open a {self.options.backend} sandbox for the episode: {e}") from e
        finally:
            remove(workspace)  # the session holds its own copy
        self.metrics = Metrics()
        self.violations: list[dict[str, str]] = []
        self.steps: list[dict[str, Any]] = []
        self.first: Observation | None = None
        self.result: dict[str, Any] | None = None
        self.done = False
        self.closed = False
        self.started = started
        self.last_active = time.monotonic()
        self.lock = threading.Lock()
        self.open_seconds = time.monotonic() - started

    @property
    def cache_key(self) -> str:
        """The dependency / build caches the same task uses outside an episode: ``gauntlet check``'s
        (per repository path) or ``gauntlet swebench --mode own``'s (per repository name)."""
        if self.info.kind == "repository":
            return workspace_key(Path(self.info.task["repo"]))
        return "swe-" + self.info.task["repo"].replace("/", "__")

    # -- the sandbox ------------------------------------------------------------------------------
    def exec(self, argv: list[str], timeout: float | None = None):
        return self.session.exec(argv, timeout=timeout or self.options.tool_timeout)

    def diff(self) -> str:
        """The agent's changes against the task's commit (new files included), computed in the sandbox."""
        add = self.exec([*GIT, "add", "-A", "."], timeout=120)
        if add.exit_code != 0:
            raise BadCall(f"git cannot read the workspace: {add.stderr.strip()[-300:]}")
        r = self.exec([*GIT, "diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "HEAD"], timeout=120)
        if r.exit_code != 0:
            raise BadCall(f"git diff failed: {r.stderr.strip()[-300:]}")
        return r.stdout

    # -- the protocol -----------------------------------------------------------------------------
    def reset(self) -> Observation:
        """The first observation: the problem statement and the repository's layout."""
        if self.first is None:
            listing = TOOLS["list_files"].run(self, {"path": ".", "depth": 2})
            text = (f"{self.info.problem.strip()}\n\nRepository ({self.language}):\n{listing.text}\n\n"
                    f"Tools: {', '.join(TOOLS)}. Call submit when done.")
            self.first = self._truncated(Observation(text, {"task_id": self.info.task_id, "language": self.language,
                                                            "kind": self.info.kind, "files": listing.data["entries"],
                                                            "tools": [t.schema() for t in TOOLS.values()]}))
        return self.first

    def step(self, call: Any) -> Observation:
        """One tool call (a dict or a model's text) -> its observation.  Never raises for bad calls."""
        with self.lock:
            self.last_active = time.monotonic()
            if self.closed:
                return Observation("the episode is closed", {}, ok=False, error="closed", done=True)
            if self.done:
                return Observation("the episode is over (submitted); close it", {"result": self.result}, ok=False,
                                   error="done", done=True, reward=self._reward())
            t0 = time.monotonic()
            self.metrics.calls += 1
            name, args = None, None
            try:
                name, args = calls.parse(call)
                if name == "submit":
                    obs = self.submit()
                else:
                    obs = TOOLS[name].run(self, args)
            except calls.CallError as e:
                self.metrics.malformed += 1
                obs = Observation(f"malformed tool call: {e}", {"kind": "malformed"}, ok=False, error=str(e))
            except Refused as e:
                self.metrics.refused += 1
                self.violations.append({"kind": e.kind, "tool": name, "message": str(e)})
                obs = Observation(f"refused: {e}", {"kind": "refused", "refused": e.kind}, ok=False, error=str(e))
            except BadCall as e:
                self.metrics.tool_errors += 1
                obs = Observation(f"{name} failed: {e}", {"kind": "tool_error"}, ok=False, error=str(e))
            except SandboxError as e:
                obs = Observation(f"the sandbox failed: {e}", {"kind": "infra"}, ok=False, error=str(e))
            seconds = time.monotonic() - t0
            self.metrics.env_seconds += seconds
            obs = self._truncated(obs)
            raw = call if isinstance(call, (str, dict)) else repr(call)
            self.steps.append({"step": len(self.steps) + 1, "call": raw, "tool": name, "arguments": args,
                               "observation": obs.to_dict(), "seconds": round(seconds, 4)})
            if not self.done:
                budget = self._budget_left()
                if budget:
                    end = self.submit()
                    obs.text += f"\n\n[{budget}: the episode was submitted]\n{end.text}"
                    obs.done, obs.reward = True, end.reward
                    obs.data["budget"] = budget
            return obs

    def _budget_left(self) -> str | None:
        if self.metrics.calls >= self.options.max_steps:
            return f"step budget of {self.options.max_steps} calls used"
        if time.monotonic() - self.started > self.options.max_seconds:
            return f"time budget of {self.options.max_seconds:.0f} s used"
        return None

    def submit(self) -> Observation:
        """Grade the changes (as the same task is graded outside an episode) and end the episode."""
        from harness.env.rewards import grade

        if not self.done:
            self.done = True
            try:
                self.result = grade(self)
            except (GauntletError, BadCall) as e:  # the harness failed, not the agent: no reward
                self.result = {"reward": {"value": None, "row": "infrastructure error", "breakdown": {"infra_error": str(e)}},
                               "resolved": False, "roles": {}, "diff": "", "diff_lines": 0, "test_files": [],
                               "refused": list(self.violations)}
            self.metrics.diff_lines = self.result["diff_lines"]
            self.metrics.seconds = time.monotonic() - self.started
            self.result["metrics"] = self.metrics.to_dict()
        r = self.result
        text = (f"submitted: {r['reward']['row']} (reward {r['reward']['value']}); resolved: {r['resolved']}; "
                f"roles: " + ", ".join(f"{k} {v['value']}" for k, v in r["roles"].items()))
        return Observation(text, {"result": r}, done=True, reward=self._reward())

    def _reward(self) -> float | None:
        return None if self.result is None else self.result["reward"]["value"]

    def _truncated(self, obs: Observation) -> Observation:
        limit = self.options.max_output_chars
        if len(obs.text) > limit:
            cut = len(obs.text) - limit
            head, tail = obs.text[: limit * 2 // 3], obs.text[-(limit // 3):]
            obs.text = f"{head}\n... [{cut} characters truncated] ...\n{tail}"
            obs.data["truncated"] = cut
        return obs

    def close(self) -> dict[str, Any]:
        """Stop the sandbox (idempotent) and write the trajectory; returns the episode's record."""
        from harness.env.trajectory import record, write

        with self.lock:
            if self.closed:
                return record(self)
            self.closed = True
            try:
                self.session.close()
            finally:
                if not self.done:
                    self.metrics.seconds = time.monotonic() - self.started
                rec = record(self)
                if self.options.trajectory:
                    write(self.options.trajectory, rec)
            return rec

    def __enter__(self) -> "Episode":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
