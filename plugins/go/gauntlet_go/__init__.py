"""Gauntlet language plugin for Go modules and workspaces."""
