"""The id under which verifiers 0.4 loads Gauntlet's single-turn reward environment
(``vf-eval gauntlet_verifiers_rewards``): verifiers 0.4 takes a top-level module exporting its
``Taskset`` in ``__all__`` and refuses a dotted id, so this module re-exports
``harness.rewards.verifiers_v1`` (see that module's docstring).  Importable only where verifiers 0.4
is installed (tests/test_rl_verifiers_v1.py runs it there)."""

from harness.rewards.verifiers_v1 import *  # noqa: F403
from harness.rewards.verifiers_v1 import __all__  # noqa: F401
