"""TRL's GRPOTrainer ``environment_factory`` over Gauntlet episodes (TRL >= 1.x, transformers >= 5.2):

    from harness.env.adapters.trl import GauntletEnvironment
    trainer = GRPOTrainer(model=..., args=GRPOConfig(max_tool_calling_iterations=20, ...),
                          train_dataset=rows_with_a_gauntlet_task_column,
                          environment_factory=GauntletEnvironment)

TRL makes one instance per rollout (pooled, reset between batches), exposes its public methods as
tools (schemas from the type hints and docstrings below), appends what ``reset`` returns (the
problem and repository layout) to the prompt, and calls ``get_reward`` at the end of the rollout:
the episode is submitted if the model did not, and its graded reward returned (None, which TRL
turns into NaN, for an infrastructure failure).  ``GauntletEnvironment.options`` sets the budgets;
``GauntletEnvironment.env_seconds`` adds up the time spent in the environment (reset, tools,
grading), for the share of step time it takes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from harness.env.episode import Episode, EpisodeOptions
from harness.errors import GauntletError


class GauntletEnvironment:
    options = EpisodeOptions(max_steps=30, roles=("coder",))
    env_seconds = 0.0
    episodes = 0
    tool_calls = 0
    _lock = threading.Lock()

    def __init__(self):
        self.episode: Episode | None = None

    def _timed(self, fn, *args):
        t0 = time.monotonic()
        try:
            return fn(*args)
        finally:
            with GauntletEnvironment._lock:
                GauntletEnvironment.env_seconds += time.monotonic() - t0

    def reset(self, **row: Any) -> str:
        if self.episode is not None:
            self._timed(self.episode.close)
        task = row.get("gauntlet_task")
        if task is None:
            raise ValueError("each dataset row needs a 'gauntlet_task' column (a repository task or a SWE-format instance)")
        self.episode = self._timed(Episode, task, self.options)
        with GauntletEnvironment._lock:
            GauntletEnvironment.episodes += 1
        return "\n\n" + self._timed(self.episode.reset).text

    def _tool(self, name: str, **arguments: Any) -> str:
        if self.episode is None:
            return "no episode: the environment was not reset"
        args = {k: v for k, v in arguments.items() if v is not None}
        with GauntletEnvironment._lock:
            GauntletEnvironment.tool_calls += 1
        return self._timed(self.episode.step, {"name": name, "arguments": args}).text

    def list_files(self, path: str = ".") -> str:
        """List the files and directories of the repository.

        Args:
            path: A directory relative to the repository root.
        """
        return self._tool("list_files", path=path)

    def read_file(self, path: str, start_line: int = 1, end_line: int | None = None) -> str:
        """Read a file of the repository, or a range of its lines, with line numbers.

        Args:
            path: The file, relative to the repository root.
            start_line: The first line to show (1-based).
            end_line: The last line to show (default: the end of the file).
        """
        return self._tool("read_file", path=path, start_line=start_line, end_line=end_line)

    def search(self, pattern: str, path: str = ".") -> str:
        """Search the repository's files for a text.

        Args:
            pattern: The text to find.
            path: A directory or file to search in.
        """
        return self._tool("search", pattern=pattern, path=path)

    def edit(self, path: str, old: str, new: str) -> str:
        """Replace the exact text `old`, which must occur once, with `new` in a file (old empty: create the file).

        Args:
            path: The file, relative to the repository root.
            old: The exact text to replace.
            new: The text to put in its place.
        """
        return self._tool("edit", path=path, old=old, new=new)

    def apply_patch(self, patch: str) -> str:
        """Apply a unified diff (git style) to the repository.

        Args:
            patch: The unified diff.
        """
        return self._tool("apply_patch", patch=patch)

    def run_tests(self) -> str:
        """Run the test suite and report each failing test."""
        return self._tool("run_tests")

    def git_diff(self) -> str:
        """Show the changes made so far as a unified diff."""
        return self._tool("git_diff")

    def submit(self) -> str:
        """Submit the changes: the episode ends and the changes are graded."""
        return self._tool("submit")

    def get_reward(self) -> float | None:
        if self.episode is None:
            return None
        try:
            if not self.episode.done:
                self._timed(self.episode.submit)
            value = self.episode.result["reward"]["value"]
        except GauntletError:
            value = None
        self._timed(self.episode.close)
        self.episode = None
        return value
