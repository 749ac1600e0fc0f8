"""Sandbox backends by name: the ``gauntlet.backends`` entry-point group, built-ins as the fallback.

A distribution adds a backend with one entry point, as language plugins do::

    [project.entry-points."gauntlet.backends"]
    k8s = "gauntlet_k8s:KubernetesBackend"

The object is a class (or any callable) that, called with ``get_backend``'s keyword options, returns
a ``harness.sandbox.base.Backend``.  Nothing is imported until a backend is asked for, so one
backend's dependencies (the docker SDK, a cloud client) stay optional and a broken backend harms
only its own users.

- ``local`` and ``docker`` are always there, also where gauntlet's installed metadata predates the
  group (an editable install from an older checkout): the core registers them itself as the fallback.
- A name is one backend: an entry point that claims a name already taken (a built-in's, or another
  distribution's, by distribution name order) is not used, and ``gauntlet plugins`` shows it with
  the reason.
- Errors: an unknown name is a ``ValueError`` that lists the available names; a backend that fails to
  import is a ``BackendLoadError`` (a ``SandboxError``) naming the backend, its distribution and the
  exception; a backend whose constructor fails with anything but ``SandboxError`` is wrapped in one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from harness.sandbox.base import Backend, SandboxError

GROUP = "gauntlet.backends"

# name -> "module:attr"; the same lines as the group's in gauntlet's own pyproject.toml.
BUILTIN_BACKENDS = {
    "local": "harness.sandbox.local:LocalBackend",
    "docker": "harness.sandbox.docker:DockerBackend",
}


class BackendLoadError(SandboxError):
    """A registered backend cannot be imported: a broken or incomplete install, not a service that is down."""


@dataclass
class BackendInfo:
    """One registered backend.  ``distribution`` is None for a built-in that no installed metadata names;
    ``error`` is set for an entry point that is not used (its name is taken) or, once ``load`` ran, broken."""

    name: str
    object: str  # "module:attr"
    distribution: str | None = None
    version: str | None = None
    error: str | None = None
    entry_point: EntryPoint | None = field(default=None, repr=False, compare=False)

    @property
    def origin(self) -> str:
        if self.distribution is None:
            return "gauntlet (built in)"
        return f"{self.distribution} {self.version}" if self.version else self.distribution

    def load(self):
        """The backend's class (or factory); ``BackendLoadError`` saying which distribution and why."""
        try:
            if self.entry_point is not None:
                obj = self.entry_point.load()
            else:
                module, _, attr = self.object.partition(":")
                obj = importlib.import_module(module)
                for part in filter(None, attr.split(".")):
                    obj = getattr(obj, part)
        except Exception as e:  # any import-time failure of third-party code
            raise BackendLoadError(f"sandbox backend {self.name!r} from {self.origin} ({self.object}) failed to load: "
                                   f"{type(e).__name__}: {e}") from e
        if not callable(obj):
            raise BackendLoadError(f"sandbox backend {self.name!r} from {self.origin}: {self.object} is a "
                                   f"{type(obj).__name__}, not a class or a factory")
        return obj

    def to_dict(self) -> dict:
        return {"name": self.name, "object": self.object, "distribution": self.distribution,
                "version": self.version, "origin": self.origin, "error": self.error}


def _from_entry_point(ep: EntryPoint) -> BackendInfo:
    dist = getattr(ep, "dist", None)
    return BackendInfo(name=ep.name, object=ep.value, distribution=dist.metadata["Name"] if dist else None,
                       version=dist.version if dist else None, entry_point=ep)


def backend_infos() -> list[BackendInfo]:
    """Every registered backend (built-ins first), then the entry points not used; imports nothing."""
    infos = {name: BackendInfo(name=name, object=value) for name, value in BUILTIN_BACKENDS.items()}
    unused = []
    found = sorted(map(_from_entry_point, entry_points(group=GROUP)), key=lambda i: (i.name, i.distribution or ""))
    for info in found:
        have = infos.get(info.name)
        if have is None:
            infos[info.name] = info
        elif have.object == info.object:
            if have.distribution is None:  # a built-in, as the installed metadata declares it
                infos[info.name] = info
        else:
            info.error = (f"not used: the name {info.name!r} is taken by {have.object} from {have.origin}; "
                          f"register it under another name")
            unused.append(info)
    return [*infos.values(), *unused]


def backend_names() -> list[str]:
    """The names ``get_backend`` accepts."""
    return [i.name for i in backend_infos() if i.error is None]


def get_backend(name: str, **options) -> Backend:
    """A new instance of the backend called ``name``, built with ``options``.

    ``ValueError`` for an unknown name (listing the available ones); ``BackendLoadError`` where the
    backend cannot be imported; ``SandboxError`` where it cannot start (no Docker daemon, say)."""
    infos = {i.name: i for i in backend_infos() if i.error is None}
    info = infos.get(name)
    if info is None:
        raise ValueError(f"unknown sandbox backend {name!r}; choose from: {', '.join(infos)}")
    factory = info.load()
    try:
        return factory(**options)
    except SandboxError:
        raise
    except Exception as e:  # a third party's constructor: an infrastructure failure like any other
        raise SandboxError(f"sandbox backend {name!r} from {info.origin} failed to start: {type(e).__name__}: {e}") from e
