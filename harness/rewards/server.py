"""``gauntlet serve-rewards``: an HTTP reward server for OpenRLHF (and anything that speaks JSON).

POST /get_reward  {"query": [...], "prompts": [...], "labels": [...]}
  -> {"rewards": [...], "scores": [...], "extra_logs": {key: [one number per sample]}, "gauntlet": [...]}
(the shape and what a sample without a reward gets: ``harness.rewards.openrlhf``).  GET /health
(JSON) and GET /metrics (Prometheus text) count requests, samples and samples without a reward.

OpenRLHF posts every sample of a rollout at once, one request each, gives each 180 s and tries 5
times, 1 s apart.  So the server takes them all: the listen backlog is large, each request waits on
the engine's queue, and admission is bounded by memory (the bytes of the requests held,
``max_pending_bytes``), not by a count.  Beyond that budget, or when a request has waited
``request_timeout`` (below the client's 180 s), the answer is 503 with ``Retry-After``; the retry
finds the same work in flight or cached in the engine and waits for it instead of running it again.
Loopback by default; SIGTERM / Ctrl-C stop it after the requests in flight.  The standard library's
threading HTTP server is enough for JSON in and out, so no web framework is added.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.rewards import openrlhf
from harness.rewards.engine import RewardEngine

MAX_BODY = 64 * 1024 * 1024
REQUEST_OVERHEAD = 64 * 1024  # a waiting request's thread and bookkeeping, counted with its body
REQUEST_TIMEOUT = 150.0  # below OpenRLHF's 180 s per try


def default_pending_bytes() -> int:
    """A quarter of the machine's memory, at most 4 GiB: tens of thousands of waiting samples."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 4 << 30
    return min(total // 4, 4 << 30)


class Busy(Exception):
    """Answered 503: the client retries (OpenRLHF: 5 tries, 1 s apart)."""


def handle_request(server: RewardServer, body: dict) -> dict:
    queries, prompts, labels = body.get("query"), body.get("prompts"), body.get("labels")
    if not isinstance(queries, list) or not isinstance(labels, list) or len(queries) != len(labels):
        raise ValueError("expected 'query' and 'labels' lists of the same length")
    pending = openrlhf.submit(server.engine, queries, prompts, labels)
    futures = [p for p in pending if isinstance(p, Future)]
    _, late = wait_futures(futures, timeout=server.request_timeout)
    if late:  # they go on running: the client's retry joins them through the engine's cache
        server.count("timeouts")
        raise Busy(f"{len(late)} of {len(queries)} samples still scoring after {server.request_timeout:.0f} s")
    doc, infra = openrlhf.reply([p if isinstance(p, str) else p.result() for p in pending])
    server.count("samples", len(queries))
    server.count("infra", infra)
    return doc


class RewardServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096  # the listen backlog: a rollout connects all at once

    def __init__(self, address, engine: RewardEngine, max_pending_bytes: int | None = None,
                 request_timeout: float = REQUEST_TIMEOUT):
        super().__init__(address, _Handler)
        self.engine = engine
        self.max_pending_bytes = max_pending_bytes or default_pending_bytes()
        self.request_timeout = request_timeout
        self.pending_bytes = 0
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.stats[key] += n

    def admit(self, size: int) -> bool:
        with self._lock:
            if self.pending_bytes and self.pending_bytes + size > self.max_pending_bytes:
                self.stats["busy"] += 1
                return False
            self.pending_bytes += size
            self.stats["pending"] += 1
            return True

    def release(self, size: int) -> None:
        with self._lock:
            self.pending_bytes -= size
            self.stats["pending"] -= 1

    def health(self) -> dict:
        with self._lock:
            return {"status": "ok", "cache_hits": self.engine.hits, "requests": self.stats["requests"],
                    "samples": self.stats["samples"], "infra_failures": self.stats["infra"],
                    "busy": self.stats["busy"], "timeouts": self.stats["timeouts"],
                    "pending_requests": self.stats["pending"], "pending_bytes": self.pending_bytes}


_METRICS = {"requests": "requests answered", "samples": "samples scored",
            "infra_failures": "samples answered without a reward (sentinel, gauntlet_infra=1)",
            "busy": "requests answered 503 because the memory budget was full",
            "timeouts": "requests answered 503 after the per-request timeout", "cache_hits": "engine cache hits"}


class _Handler(BaseHTTPRequestHandler):
    server: RewardServer

    def log_message(self, *args) -> None:  # quiet: a trainer calls this thousands of times
        pass

    def _send(self, code: int, doc: dict | str, headers: dict | None = None) -> None:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; version=0.0.4" if isinstance(doc, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, self.server.health())
        elif self.path == "/metrics":
            health = self.server.health()
            lines = []
            for key, help_text in _METRICS.items():
                lines += [f"# HELP gauntlet_reward_{key}_total {help_text}", f"# TYPE gauntlet_reward_{key}_total counter",
                          f"gauntlet_reward_{key}_total {health[key]}"]
            lines += ["# HELP gauntlet_reward_pending_requests requests admitted and not yet answered",
                      "# TYPE gauntlet_reward_pending_requests gauge",
                      f"gauntlet_reward_pending_requests {health['pending_requests']}", ""]
            self._send(200, "\n".join(lines))
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path not in ("/get_reward", "/reward"):
            return self._send(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(413, {"error": "request too large"})
        size = length + REQUEST_OVERHEAD
        if not self.server.admit(size):
            return self._send(503, {"error": "busy: the memory budget for waiting requests is full"}, {"Retry-After": "1"})
        try:
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as e:
                return self._send(400, {"error": f"invalid JSON: {e}"})
            try:
                doc = handle_request(self.server, body if isinstance(body, dict) else {})
            except ValueError as e:
                return self._send(400, {"error": str(e)})
            except Busy as e:
                return self._send(503, {"error": f"busy: {e}"}, {"Retry-After": "1"})
            self.server.count("requests")
            self._send(200, doc)
        finally:
            self.server.release(size)


def serve(host: str = "127.0.0.1", port: int = 8000, engine: RewardEngine | None = None,
          max_pending_bytes: int | None = None, request_timeout: float = REQUEST_TIMEOUT,
          ready: threading.Event | None = None) -> RewardServer:
    server = RewardServer((host, port), engine or RewardEngine(), max_pending_bytes, request_timeout)
    if ready is not None:
        ready.set()
    return server


def run_forever(server: RewardServer) -> None:
    """Serve until SIGTERM / SIGINT, then finish the requests in flight."""
    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = time.monotonic()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.engine.close()
        h = server.health()
        if h["infra_failures"]:
            openrlhf.log.warning("%d of %d samples got no reward in %.0f s (infrastructure or labels)",
                                 h["infra_failures"], h["samples"], time.monotonic() - started)
