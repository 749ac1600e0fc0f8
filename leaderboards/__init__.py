"""Leaderboards built from result records: run directories in, a static site and machine-readable files out."""

from leaderboards.build import build_site, leaderboard
from leaderboards.runs import Run, load_run

__all__ = ["Run", "build_site", "leaderboard", "load_run"]
