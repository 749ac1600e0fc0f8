"""``gauntlet serve-rewards``: an HTTP reward server for OpenRLHF (and anything that speaks JSON).

POST /get_reward  {"query": [...], "prompts": [...], "labels": [...]}
  -> {"rewards": [...], "scores": [...], "extra_logs": {...}}
``labels`` carry the Gauntlet tasks; the response is ``query`` minus its prompt.  GET /health.
Bounded: at most ``max_inflight`` requests are scored at once and ``max_queue`` wait; beyond that
the server answers 503 at once (back-pressure).  Loopback by default; SIGTERM / Ctrl-C stop it
after the requests in flight.  The standard library's threading HTTP server is enough for JSON in
and out, so no web framework is added.
"""

from __future__ import annotations

import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.rewards.engine import RewardEngine

MAX_BODY = 64 * 1024 * 1024


def handle_request(engine: RewardEngine, body: dict) -> dict:
    queries, prompts, labels = body.get("query"), body.get("prompts"), body.get("labels")
    if not isinstance(queries, list) or not isinstance(labels, list) or len(queries) != len(labels):
        raise ValueError("expected 'query' and 'labels' lists of the same length")
    prompts = prompts if isinstance(prompts, list) and len(prompts) == len(queries) else [""] * len(queries)
    responses = [q[len(p):] if p and q.startswith(p) else q for q, p in zip(queries, prompts, strict=False)]
    rewards = engine.score(responses, labels)
    values = [0.0 if r is None or r.value is None else r.value for r in rewards]
    rows: dict[str, float] = {}
    for r in rewards:
        if r is not None:
            rows[r.row] = rows.get(r.row, 0) + 1 / len(rewards)
    return {"rewards": values, "scores": values, "extra_logs": {"gauntlet_rows": rows}}


class RewardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, engine: RewardEngine, max_inflight: int = 8, max_queue: int = 64):
        super().__init__(address, _Handler)
        self.engine = engine
        self.slots = threading.BoundedSemaphore(max_inflight)
        self.admitted = threading.BoundedSemaphore(max_inflight + max_queue)


class _Handler(BaseHTTPRequestHandler):
    server: RewardServer

    def log_message(self, *args) -> None:  # quiet: a trainer calls this thousands of times
        pass

    def _send(self, code: int, doc: dict) -> None:
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {"status": "ok", "cache_hits": self.server.engine.hits})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path not in ("/get_reward", "/reward"):
            return self._send(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(413, {"error": "request too large"})
        if not self.server.admitted.acquire(blocking=False):
            return self._send(503, {"error": "busy: too many requests queued"})
        try:
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as e:
                return self._send(400, {"error": f"invalid JSON: {e}"})
            with self.server.slots:
                try:
                    self._send(200, handle_request(self.server.engine, body))
                except ValueError as e:
                    self._send(400, {"error": str(e)})
        finally:
            self.server.admitted.release()


def serve(host: str = "127.0.0.1", port: int = 8000, engine: RewardEngine | None = None, max_inflight: int = 8,
          max_queue: int = 64, ready: threading.Event | None = None) -> RewardServer:
    server = RewardServer((host, port), engine or RewardEngine(), max_inflight, max_queue)
    if ready is not None:
        ready.set()
    return server


def run_forever(server: RewardServer) -> None:
    """Serve until SIGTERM / SIGINT, then finish the requests in flight."""
    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.engine.close()
