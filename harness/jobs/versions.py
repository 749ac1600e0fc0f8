"""Gauntlet and plugin versions on the driver and on the nodes: a node that differs runs nothing.

Every job result carries the versions installed where it ran (``installed_versions``: the
``gauntlet`` distribution and every distribution with a ``gauntlet`` plugin entry point, the same
mapping the run manifest records).  On Ray the node compares them with the driver's before running
the job (and refuses it), and the driver compares them again in every result it receives, so a
node whose Gauntlet predates the check is caught too.  A mismatch is an infrastructure failure of
that job (``VersionMismatch``), never the model's.

Only the distributions' version numbers are compared: two editable installs of different code with
the same version number look the same.
"""

from __future__ import annotations

import functools
from typing import Any

from harness.errors import InfraError


class VersionMismatch(InfraError):
    """A node's Gauntlet or plugin versions differ from the driver's."""


@functools.lru_cache(maxsize=1)
def _installed() -> tuple[tuple[str, str], ...]:
    from harness.results import installed_versions

    return tuple(sorted(installed_versions().items()))


def node_versions() -> dict[str, str]:
    """``{distribution: version}`` for gauntlet and the installed plugins of this process (cached)."""
    return dict(_installed())


def compare(driver: dict[str, str], node: dict[str, str] | None) -> list[str]:
    """The differences between the driver's and a node's versions, one readable line each
    (empty: the same).  A distribution installed on one side only is a difference."""
    if node is None:
        return ["the node reported no versions (its Gauntlet predates the version check)"]
    out = []
    for name in sorted(set(driver) | set(node)):
        d, n = driver.get(name), node.get(name)
        if d != n:
            out.append(f"{name}: driver {d or 'not installed'}, node {n or 'not installed'}")
    return out


def mismatch_error(differences: list[str], node: str | None) -> str:
    return (f"VersionMismatch: node {node or '?'} has other Gauntlet/plugin versions than the driver "
            f"({'; '.join(differences)}); install the driver's versions on every node")


def check(driver: dict[str, str], out: dict[str, Any]) -> dict[str, Any]:
    """A job's raw result (``run_job``'s dict) as the driver keeps it: with an error (an
    infrastructure failure) when the node's versions differ from the driver's.  A result that
    already failed for another reason (a lost node: no versions) is returned as it is."""
    if "error" in out and "versions" not in out:
        return out
    differences = compare(driver, out.get("versions"))
    if not differences:
        return out
    return {**out, "value": None, "error": mismatch_error(differences, out.get("node"))}
