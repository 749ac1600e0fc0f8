"""What plugin and backend authors run: the sandbox conformance suite and the backend-parity checks.

- ``SandboxConformance`` (``harness.testing.conformance``): subclass it to run the suite that every
  sandbox backend passes unchanged.
- ``assert_same_on_both_backends`` (``harness.testing.parity``): a language plugin gives the same
  verdicts and rewards under two backends (local and docker by default).
- ``LoopbackCluster`` (``harness.testing.loopback``, import it from there): a throwaway Ray cluster of
  child processes on this machine, for tests of work under ``--runner ray``.
- ``harness.testing.plugin``: the pytest plugin (``--gauntlet-backend NAME``, the
  ``gauntlet_backend`` fixture, the ``docker`` marker); pytest loads it through its ``pytest11``
  entry point once gauntlet is installed.

Needs pytest (``pip install 'gauntlet-harness[test]'``); nothing in the core imports this package.
See docs/writing-a-plugin.md, "Testing your plugin or backend with harness.testing".
"""

import pytest

# Their plain asserts get pytest's detailed messages, as in a test module.
pytest.register_assert_rewrite("harness.testing.conformance", "harness.testing.parity")

from harness.testing.conformance import SandboxConformance, backend_or_skip  # noqa: E402
from harness.testing.parity import assert_same_on_both_backends, docker_or_skip, verdicts  # noqa: E402

__all__ = ["SandboxConformance", "assert_same_on_both_backends", "backend_or_skip", "docker_or_skip", "verdicts"]
