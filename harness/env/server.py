"""Many episodes at once, in one process: ``EpisodeManager``, and its HTTP face (``gauntlet serve-env``).

    POST   /episodes              {"task": {...}, "options": {...}}  -> 201 {"episode_id", "observation"}
    POST   /episodes/ID/step      {"name": ..., "arguments": {...}} or {"text": "<model output>"}
                                                                      -> {"observation"}
    DELETE /episodes/ID  (or POST /episodes/ID/close)                -> {"record"}  (the trajectory line)
    GET    /episodes/ID  /tools  /health

Bounded: at most ``max_episodes`` are open; one more is refused with 503 at once.  An episode idle
for ``idle_timeout`` seconds (its client went away) is closed and its sandbox reclaimed.  All of a
server's workspaces and sandboxes live under one directory named for its process id; SIGTERM /
Ctrl-C close every episode, and a server started later removes what a killed one (SIGKILL) left
(its jails die with it: bubblewrap's --die-with-parent).  Loopback by default; like
``serve-rewards``, the standard library's threading HTTP server carries the JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness.env.episode import Episode, EpisodeOptions
from harness.env.tools import TOOLS, Observation
from harness.env.workspace import task_info
from harness.errors import GauntletError, UsageError

MAX_BODY = 16 * 1024 * 1024
# What a client may set per episode; the rest (backend, network, trajectory file) is the server's.
CLIENT_OPTIONS = {"max_steps", "max_seconds", "max_output_chars", "allow_test_edits", "roles", "debugger_k",
                  "tester_mutants", "tool_timeout"}
_DIR = re.compile(r"^gauntlet-env-server-(\d+)$")


class Busy(Exception):
    """No room for another episode."""


class EpisodeManager:
    def __init__(self, options: EpisodeOptions | None = None, max_episodes: int = 64, idle_timeout: float = 600.0,
                 repos_dir: str | None = None, allowed_roots: list[str] | None = None, pm=None):
        self.options = options or EpisodeOptions()
        self.max_episodes = max_episodes
        self.idle_timeout = idle_timeout
        self.repos_dir = repos_dir
        self.allowed_roots = [Path(r).resolve() for r in allowed_roots or []]
        self.pm = pm
        self.episodes: dict[str, Episode] = {}
        self.reserved = 0
        self.lock = threading.Lock()
        self.reclaimed = 0
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="gauntlet-env-reaper", daemon=True)
        self._reaper.start()

    def create(self, task: Any, overrides: dict[str, Any] | None = None) -> tuple[Episode, Observation]:
        overrides = overrides or {}
        unknown = set(overrides) - CLIENT_OPTIONS
        if unknown:
            raise UsageError(f"options not settable per episode: {', '.join(sorted(unknown))} "
                             f"(settable: {', '.join(sorted(CLIENT_OPTIONS))})")
        if "roles" in overrides:
            overrides["roles"] = tuple(overrides["roles"])
        names = {f.name for f in fields(EpisodeOptions)}
        options = replace(self.options, **{k: v for k, v in overrides.items() if k in names})
        self._check_root(task)
        task_info(task, self.repos_dir)  # a bad task is a 400 even when the server is full
        with self.lock:
            if len(self.episodes) + self.reserved >= self.max_episodes:
                raise Busy(f"{self.max_episodes} episodes are open; close one or try later")
            self.reserved += 1
        try:
            ep = Episode(task, options, pm=self.pm, repos_dir=self.repos_dir)
            first = ep.reset()
            with self.lock:
                self.episodes[ep.id] = ep
            return ep, first
        finally:
            with self.lock:
                self.reserved -= 1

    def _check_root(self, task: Any) -> None:
        if not self.allowed_roots or not isinstance(task, dict) or task.get("kind") != "repository":
            return
        repo = Path(str(task.get("repo", ""))).resolve()
        if not any(repo.is_relative_to(root) for root in self.allowed_roots):
            raise UsageError(f"repository {repo} is outside the server's task roots")

    def get(self, episode_id: str) -> Episode:
        with self.lock:
            ep = self.episodes.get(episode_id)
        if ep is None:
            raise KeyError(episode_id)
        return ep

    def step(self, episode_id: str, call: Any) -> Observation:
        return self.get(episode_id).step(call)

    def submit(self, episode_id: str) -> Observation:
        """Grade the episode as it stands, as a budget does: for a client whose rollout ended without the
        model's submit (not counted as the model's call)."""
        ep = self.get(episode_id)
        with ep.lock:
            ep.last_active = time.monotonic()
            return ep.submit()

    def close(self, episode_id: str) -> dict[str, Any]:
        with self.lock:
            ep = self.episodes.pop(episode_id, None)
        if ep is None:
            raise KeyError(episode_id)
        return ep.close()

    def reap(self) -> int:
        """Close episodes idle longer than ``idle_timeout`` (clients that went away)."""
        now = time.monotonic()
        with self.lock:
            idle = [i for i, ep in self.episodes.items() if now - ep.last_active > self.idle_timeout and not ep.lock.locked()]
        for i in idle:
            try:
                self.close(i)
                self.reclaimed += 1
            except KeyError:
                pass
        return len(idle)

    def _reap_loop(self) -> None:
        while not self._stop.wait(min(5.0, max(0.2, self.idle_timeout / 4))):
            self.reap()

    def close_all(self) -> None:
        self._stop.set()
        for i in list(self.episodes):
            try:
                self.close(i)
            except KeyError:
                pass

    def health(self) -> dict[str, Any]:
        with self.lock:
            return {"ok": True, "episodes": len(self.episodes), "max_episodes": self.max_episodes,
                    "idle_timeout": self.idle_timeout, "reclaimed": self.reclaimed}


def private_tmp(parent: str | None = None) -> Path:
    """This server's directory for workspaces and sandboxes (``tempfile.tempdir`` points there);
    directories of servers that died without cleaning up are removed first."""
    base = Path(parent or tempfile.gettempdir())
    for old in base.glob("gauntlet-env-server-*"):
        m = _DIR.match(old.name)
        if m and not _alive(int(m.group(1))):
            shutil.rmtree(old, ignore_errors=True)
    mine = base / f"gauntlet-env-server-{os.getpid()}"
    mine.mkdir(exist_ok=True)
    tempfile.tempdir = str(mine)
    return mine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EnvServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, manager: EpisodeManager):
        super().__init__(address, Handler)
        self.manager = manager


class Handler(BaseHTTPRequestHandler):
    server: EnvServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: a trainer makes thousands of calls
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise UsageError(f"request body over {MAX_BODY} bytes")
        raw = self.rfile.read(length) if length else b"{}"
        try:
            return json.loads(raw)
        except json.JSONDecodeError as e:
            raise UsageError(f"the request body is not JSON: {e}") from None

    def _route(self, method: str) -> None:
        m = self.server.manager
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        try:
            if method == "GET" and parts == ["health"]:
                return self._send(200, m.health())
            if method == "GET" and parts == ["tools"]:
                return self._send(200, {"tools": [t.schema() for t in TOOLS.values()]})
            if method == "POST" and parts == ["episodes"]:
                body = self._body()
                if not isinstance(body, dict) or "task" not in body:
                    raise UsageError('expected {"task": {...}, "options": {...}}')
                ep, first = m.create(body["task"], body.get("options"))
                return self._send(201, {"episode_id": ep.id, "observation": first.to_dict()})
            if len(parts) >= 2 and parts[0] == "episodes":
                eid = parts[1]
                if method == "POST" and parts[2:] == ["submit"]:
                    return self._send(200, {"observation": m.submit(eid).to_dict()})
                if method == "POST" and parts[2:] == ["step"]:
                    body = self._body()
                    call = body.get("text") if isinstance(body, dict) and set(body) == {"text"} else body
                    return self._send(200, {"observation": m.step(eid, call).to_dict()})
                if (method == "DELETE" and len(parts) == 2) or (method == "POST" and parts[2:] == ["close"]):
                    return self._send(200, {"record": m.close(eid)})
                if method == "GET" and len(parts) == 2:
                    ep = m.get(eid)
                    return self._send(200, {"episode_id": eid, "done": ep.done, "metrics": ep.metrics.to_dict()})
            return self._send(404, {"error": f"no route {method} {self.path}"})
        except KeyError as e:
            return self._send(404, {"error": f"no open episode {e.args[0]!r}"})
        except Busy as e:
            return self._send(503, {"error": str(e)})
        except UsageError as e:
            return self._send(400, {"error": str(e)})
        except GauntletError as e:
            return self._send(502, {"error": f"infrastructure error: {e}"})
        except Exception as e:  # a bug must not take the connection (or the server) down silently
            return self._send(500, {"error": f"{type(e).__name__}: {e}"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


def serve(host: str, port: int, manager: EpisodeManager) -> EnvServer:
    return EnvServer((host, port), manager)


def run_forever(server: EnvServer, on_ready=None) -> None:
    """Serve until SIGTERM / Ctrl-C, then close every episode (their sandboxes go with them).
    ``on_ready`` (announcing the address) runs once the signal handlers are in place, so a client
    that stops the server as soon as it is announced still gets the clean shutdown."""
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if on_ready is not None:
            on_ready()
        server.serve_forever(poll_interval=0.2)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        server.manager.close_all()
        server.server_close()
        if tempfile.tempdir and _DIR.match(Path(tempfile.tempdir).name):
            shutil.rmtree(tempfile.tempdir, ignore_errors=True)
