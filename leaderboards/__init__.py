"""Leaderboards built from result records."""
