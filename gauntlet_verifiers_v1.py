"""The id under which verifiers 0.4 loads Gauntlet's environment (``vf-eval gauntlet_verifiers_v1``):
verifiers 0.4 takes a top-level module exporting its ``Taskset`` in ``__all__`` and refuses a dotted
id, so this module re-exports ``harness.env.adapters.verifiers_v1`` (see that module's docstring).
Installed with Gauntlet; importable only where verifiers 0.4 is installed
(tests/test_env_verifiers_v1.py runs it there)."""

from harness.env.adapters.verifiers_v1 import *  # noqa: F403
from harness.env.adapters.verifiers_v1 import __all__  # noqa: F401
