"""The model server (vLLM's place) for tests that drive an RL framework's own rollout code: an
OpenAI-compatible ``POST /v1/chat/completions`` that answers from a script, streamed (server-sent
events, as verifiers 0.4's harness programs ask) or not (as verifiers 0.3's client asks).

    with ScriptedModel(reply) as model:   # reply(request body) -> assistant message, or None: HTTP 400
        ... base_url=model.url ...
    model.requests                        # every request body, in order

An assistant message is OpenAI's: ``{"role": "assistant", "content": ..., "tool_calls": [...]}``
(``tool_call`` builds one).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def tool_call(name: str, args: dict, content: str | None = None) -> dict[str, Any]:
    """An assistant message calling one tool natively."""
    return {"role": "assistant", "content": content, "tool_calls": [
        {"id": f"call-{name}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}


def turn(body: dict) -> int:
    """Which turn of a multi-turn script a request asks for: the assistant messages already sent."""
    return sum(m["role"] == "assistant" for m in body["messages"])


class ScriptedModel:
    def __init__(self, reply: Callable[[dict], dict[str, Any] | None]):
        self.reply = reply
        self.requests: list[dict] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.requests.append(body)
                message = model.reply(body)
                if message is None:
                    error = {"error": {"message": "the scripted model broke", "type": "invalid_request_error"}}
                    return self._send(400, "application/json", json.dumps(error).encode())
                self._send(200, *model.answer(body, message))

            def _send(self, status: int, kind: str, out: bytes):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(out)))
                self.send_header("Connection", "close")  # no pooled connection outlives a client's event loop
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @staticmethod
    def answer(body: dict, message: dict[str, Any]) -> tuple[str, bytes]:
        calls = message.get("tool_calls") or []
        head = {"id": f"cmpl-{turn(body)}", "created": 0, "model": body["model"]}
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            full = {**head, "object": "chat.completion", "usage": USAGE,
                    "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}]}
            return "application/json", json.dumps(full).encode()
        head["object"] = "chat.completion.chunk"
        delta = {"role": "assistant", "content": message.get("content")}
        if calls:
            delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(calls)]
        chunks = [{**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                  {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
                  {**head, "choices": [], "usage": USAGE}]
        return "text/event-stream", ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()

    def __enter__(self) -> "ScriptedModel":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
