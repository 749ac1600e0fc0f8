"""Gauntlet language plugin for Rust: Cargo projects and workspaces."""
