"""Infrastructure failures are never a reward: each is logged loudly and counted.

Where a framework takes "no reward" (TRL >= 1.6: None) the adapters return it.  Where it does not
(verl, verifiers, SkyRL: a float per sample, and NaN would poison the whole group's advantage),
they return ``INFRA_SENTINEL`` and a per-sample metric ``gauntlet_infra_error`` = 1.0, so the run's
count is visible in the framework's own logs, beside this module's log line.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("gauntlet.rewards")

INFRA_SENTINEL = 0.0  # what a framework that needs a float gets for an infrastructure failure

_count = 0
_lock = threading.Lock()


def note(error: object, where: str) -> int:
    """Record one infrastructure failure; returns this process's running count."""
    global _count
    with _lock:
        _count += 1
        n = _count
    log.error("gauntlet: INFRASTRUCTURE FAILURE #%d in %s, no reward for this sample (not the model's doing): %s",
              n, where, error)
    return n


def failures() -> int:
    """Infrastructure failures seen by this process so far."""
    return _count
