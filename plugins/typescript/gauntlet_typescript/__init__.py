"""Gauntlet plugin for TypeScript and JavaScript packages (npm, tsc, vitest / jest / node:test, eslint)."""

__version__ = "0.1.0"
