"""Gauntlet's core: hook contract, plugin manager, sandboxes, outcomes and rewards."""

from harness.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
