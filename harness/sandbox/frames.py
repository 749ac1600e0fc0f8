"""The byte framing the sandbox agent speaks (``agent.py``), and Docker's multiplexing of an
attached container's stdout and stderr around it: shared by the local jail's client, the Docker
backend and the executor's Docker workers."""

from __future__ import annotations

import select
import socket
import struct
import time

from harness.sandbox.capture import BoundedCapture


def take_frame(buf: bytearray) -> tuple[bytes, bytes] | None:
    """The first complete agent frame of ``buf`` (one kind byte, a 4-byte big-endian length, the
    payload), removed from it; None while it is incomplete."""
    if len(buf) < 5:
        return None
    size = struct.unpack(">I", buf[1:5])[0]
    if len(buf) < 5 + size:
        return None
    kind, payload = bytes(buf[:1]), bytes(buf[5:5 + size])
    del buf[:5 + size]
    return kind, payload


class DockerStream:
    """An attached container's socket, demultiplexed: its stdout bytes in ``data``, the head of its
    stderr in ``log`` (for error messages).  Docker prefixes each chunk with an 8-byte header
    (stream, 3 zero bytes, 4-byte length)."""

    def __init__(self, raw: socket.socket):
        self.raw = raw
        self.muxed = bytearray()
        self.data = bytearray()
        self.log = BoundedCapture(16384)

    def fill(self, deadline: float) -> None:
        """Read what the socket has (waiting until ``deadline``): TimeoutError, or EOFError at its end."""
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.raw], [], [], left)[0]:
            raise TimeoutError
        chunk = self.raw.recv(1 << 16)
        if not chunk:
            raise EOFError
        self.muxed += chunk
        while len(self.muxed) >= 8:
            size = struct.unpack(">I", self.muxed[4:8])[0]
            if len(self.muxed) < 8 + size:
                break
            payload = bytes(self.muxed[8:8 + size])
            if self.muxed[0] == 2:
                self.log.add(payload)
            else:
                self.data += payload
            del self.muxed[:8 + size]

    def next(self, deadline: float) -> tuple[bytes, bytes]:
        """The next agent frame on stdout."""
        while True:
            frame = take_frame(self.data)
            if frame is not None:
                return frame
            self.fill(deadline)
