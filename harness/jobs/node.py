"""What a job keeps warm on its node between jobs: a process-wide cache, closed at exit.

A Ray worker process runs one job after another; the expensive things a job needs (a forking
solution executor, a reward engine, an open sandbox session on a repository tree) are made once
per process and reused, as the local runner's threads reuse theirs.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any, Callable

_items: dict[Any, Any] = {}
_closers: dict[Any, Callable[[Any], None]] = {}
_lock = threading.RLock()  # a factory may itself ask for another cached object


def cached(key: Any, make: Callable[[], Any], close: Callable[[Any], None] | None = None) -> Any:
    """The object for ``key`` in this process, made by ``make()`` the first time."""
    with _lock:
        if key not in _items:
            _items[key] = make()
            if close is not None:
                _closers[key] = close
        return _items[key]


def drop(key: Any) -> None:
    """Close and forget one object (a session that broke)."""
    with _lock:
        obj = _items.pop(key, None)
        close = _closers.pop(key, None)
    if obj is not None and close is not None:
        close(obj)


@atexit.register
def close_all() -> None:
    for key in list(_items):
        try:
            drop(key)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def solution_executor(profile: str = "full", backend: str = "local"):
    """One warm forking worker per job slot (a Ray task holds one CPU, so one worker is its share),
    in the node's jail or, with ``backend="docker"``, in a container on the node."""
    from harness.benchmarks.executor import Executor

    return cached(("solution-executor", profile, backend), lambda: Executor(1, profile=profile, backend=backend),
                  lambda e: e.close())
