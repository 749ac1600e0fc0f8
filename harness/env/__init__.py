"""Agent environments: multi-turn tool episodes over a warm sandbox session (``Episode``), graded at
submit as the same task outside an episode, with per-role rewards; served in-process, over HTTP
(``harness.env.server``) and MCP (``harness.env.mcp``); adapters in ``harness.env.adapters``."""

from harness.env.episode import Episode, EpisodeOptions, Metrics
from harness.env.tools import TOOLS, Observation

__all__ = ["Episode", "EpisodeOptions", "Metrics", "Observation", "TOOLS"]
