"""Sandboxes: one protocol (``base``), several backends, chosen by name with ``get_backend``.

Backends are registered through the ``gauntlet.backends`` entry-point group (``registry``), so a
third party adds one without touching the core; ``local`` and ``docker`` are built in.
"""

from __future__ import annotations

from harness.sandbox.base import Backend, ExecResult, Limits, PatchResult, SandboxError, Session
from harness.sandbox.registry import (
    BUILTIN_BACKENDS,
    BackendInfo,
    BackendLoadError,
    backend_infos,
    backend_names,
    get_backend,
)


def backend_options(name: str, registry: str | None = None) -> dict:
    """The keyword arguments of ``get_backend(name)`` for these settings: only the docker backend
    takes an image ``registry``."""
    return {"registry": registry} if name == "docker" and registry else {}


__all__ = ["Backend", "ExecResult", "Limits", "PatchResult", "SandboxError", "Session", "get_backend", "backend_options",
           "backend_names", "backend_infos", "BackendInfo", "BackendLoadError", "BUILTIN_BACKENDS"]
