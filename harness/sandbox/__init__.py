"""Sandboxes: one protocol (``base``), several backends, chosen by name with ``get_backend``."""

from __future__ import annotations

import importlib

from harness.sandbox.base import Backend, ExecResult, Limits, PatchResult, SandboxError, Session

# name -> "module:Class"; imported on demand so a backend's dependencies (docker SDK) stay optional.
BACKENDS = {
    "local": "harness.sandbox.local:LocalBackend",
    "docker": "harness.sandbox.docker:DockerBackend",
}


def get_backend(name: str, **options) -> Backend:
    """Instantiate the backend called ``name``; ``ValueError`` for an unknown name."""
    if name not in BACKENDS:
        raise ValueError(f"unknown sandbox backend {name!r}; choose from: {', '.join(BACKENDS)}")
    module, cls = BACKENDS[name].split(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise SandboxError(f"backend {name!r} is not available: {e}") from e
    return getattr(mod, cls)(**options)


def backend_options(name: str, registry: str | None = None) -> dict:
    """The keyword arguments of ``get_backend(name)`` for these settings: only the docker backend
    takes an image ``registry``."""
    return {"registry": registry} if name == "docker" and registry else {}


__all__ = ["Backend", "ExecResult", "Limits", "PatchResult", "SandboxError", "Session", "get_backend", "backend_options",
           "BACKENDS"]
