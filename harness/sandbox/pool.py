"""A bounded, thread-safe pool of warm containers, keyed by what makes them interchangeable.

Containers are reused only with the same image, user, limits, network setting and cache volume;
all of them are removed when the process exits.  ``GAUNTLET_DOCKER_POOL`` sets how many idle
containers are kept per key (default 4; 0 turns reuse off).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import defaultdict


class Pool:
    def __init__(self, per_key: int | None = None):
        self.per_key = int(os.environ.get("GAUNTLET_DOCKER_POOL", "4")) if per_key is None else per_key
        self._idle: dict = defaultdict(list)
        self._lock = threading.Lock()
        atexit.register(self.drain)

    def take(self, key):
        with self._lock:
            return self._idle[key].pop() if self._idle.get(key) else None

    def give(self, key, container) -> bool:
        with self._lock:
            if len(self._idle[key]) >= self.per_key:
                return False
            self._idle[key].append(container)
            return True

    def drain(self) -> None:
        with self._lock:
            idle = [c for cs in self._idle.values() for c in cs]
            self._idle.clear()
        for c in idle:
            c.remove()
