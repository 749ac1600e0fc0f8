"""Bounded capture of a command's output: keep the head and the tail, count the rest.

Test runners put their verdicts at the end of their output and errors at the start, so a
head + tail window keeps what matters while memory stays bounded whatever the command prints.
"""

from __future__ import annotations

from collections import deque

CHUNK = 64 * 1024


class BoundedCapture:
    def __init__(self, limit: int):
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_size = 0
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if not data:
            return
        self.tail.append(data)
        self.tail_size += len(data)
        while self.tail and self.tail_size - len(self.tail[0]) >= self.tail_limit:
            self.tail_size -= len(self.tail.popleft())

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + self.tail_size or self.tail_size > self.tail_limit

    def text(self) -> str:
        tail = b"".join(self.tail)
        if len(tail) > self.tail_limit:
            tail = tail[-self.tail_limit :]
        dropped = self.total - len(self.head) - len(tail)
        if dropped > 0:
            marker = f"\n[... gauntlet: {dropped} bytes of output truncated ...]\n".encode()
            return (bytes(self.head) + marker + tail).decode("utf-8", "replace")
        return (bytes(self.head) + tail).decode("utf-8", "replace")
