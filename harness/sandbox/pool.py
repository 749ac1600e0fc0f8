"""A bounded, thread-safe pool of warm containers, keyed by what makes them interchangeable.

Containers are reused only with the same image, user, limits, network setting and cache volume.
``GAUNTLET_DOCKER_POOL`` sets how many idle containers are kept per key (default 4; 0 turns reuse
off) and ``GAUNTLET_DOCKER_POOL_TOTAL`` how many in all (default 16): past it the container idle
the longest is removed.  All idle containers are removed when the process exits.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict

from harness import settings


class Pool:
    def __init__(self, per_key: int | None = None, total: int | None = None):
        self.per_key = settings.docker_pool() if per_key is None else per_key
        self.total = settings.docker_pool_total() if total is None else total
        self._idle: OrderedDict[int, tuple] = OrderedDict()  # id(container) -> (key, container), oldest first
        self._lock = threading.Lock()
        atexit.register(self.drain)

    def take(self, key):
        """An idle container for ``key`` (the most recently returned), or None."""
        with self._lock:
            for ident in reversed(self._idle):
                if self._idle[ident][0] == key:
                    return self._idle.pop(ident)[1]
        return None

    def give(self, key, container) -> bool:
        """Keep ``container`` for reuse; False when the pool has no room for its key (remove it)."""
        evicted = []
        with self._lock:
            if self.per_key <= 0 or self.total <= 0 or sum(k == key for k, _ in self._idle.values()) >= self.per_key:
                return False
            while len(self._idle) >= self.total:
                evicted.append(self._idle.popitem(last=False)[1][1])
            self._idle[id(container)] = (key, container)
        for c in evicted:
            c.remove()
        return True

    def size(self, key=None) -> int:
        with self._lock:
            return sum(key is None or k == key for k, _ in self._idle.values())

    def drain(self) -> None:
        with self._lock:
            idle = [c for _, c in self._idle.values()]
            self._idle.clear()
        for c in idle:
            c.remove()
