"""The errors of Gauntlet: one base, three kinds, one exit code each.

- ``UsageError``: bad input from the user (a path that does not exist, an unknown language, a
  malformed dataset or samples file, a tool the user asked for that is not installed).  The
  ``gauntlet`` command prints ``error: ...`` and exits 2.
- ``InfraError``: the harness, one of its tools or the sandbox failed, not the code under test (a
  sandbox that cannot start, a jail the kernel refuses, an unreachable Ray cluster).  Such a
  failure gives no reward; the command prints ``infrastructure error: ...`` and exits 3.
- ``CodeFailure``: the project handed to the harness fails on its own, before any model is involved
  (task generation on a repository that does not build or has no passing test).  The command prints
  ``error: ...`` and exits 1, as for code that fails its checks.

What the code under test does (a patch that does not apply, a build that fails, tests that fail)
is an outcome (``harness.outcome``), never an exception.

Each module keeps its own class for its errors (``SandboxError``, ``DatasetError``, ...), derived
from one of these kinds and, where callers catch it that way, from the builtin it always had
(``ValueError``, ``RuntimeError``).  Internal control flow (a worker's time-out, a test that hangs
while variants are counted) does not use these classes.
"""

from __future__ import annotations


class GauntletError(Exception):
    """Base of every error that Gauntlet raises on purpose; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(GauntletError):
    """Bad input from the user (CLI exit code 2)."""

    exit_code = 2


class InfraError(GauntletError, RuntimeError):
    """The harness, a tool or the sandbox failed, not the code under test: no reward (CLI exit code 3)."""

    exit_code = 3


class CodeFailure(GauntletError):
    """The project under evaluation fails on its own, so there is nothing to measure (CLI exit code 1)."""

    exit_code = 1


__all__ = ["GauntletError", "UsageError", "InfraError", "CodeFailure"]
