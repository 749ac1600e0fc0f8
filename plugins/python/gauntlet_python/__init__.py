"""Gauntlet's Python plugin."""
