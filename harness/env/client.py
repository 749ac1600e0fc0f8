"""A small client of ``gauntlet serve-env`` (standard library only), for adapters running in other
processes or on other machines (OpenRLHF's Ray actors, verl's agent loop workers)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from harness.errors import InfraError


class EnvClient:
    def __init__(self, url: str, timeout: float = 900.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:500]
            raise InfraError(f"{method} {path}: HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise InfraError(f"the environment server at {self.url} did not answer: {e}") from None

    def create(self, task: Any, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """A new episode: (episode id, first observation)."""
        if isinstance(task, str):
            task = json.loads(task)
        out = self._call("POST", "/episodes", {"task": task, "options": options or {}})
        return out["episode_id"], out["observation"]

    def step(self, episode_id: str, call: Any) -> dict[str, Any]:
        """One call (a dict, or a model's text) -> the observation."""
        body = {"text": call} if isinstance(call, str) else call
        return self._call("POST", f"/episodes/{episode_id}/step", body)["observation"]

    def tools(self) -> list[dict[str, Any]]:
        """The tools' JSON schemas (OpenAI function format), the same for every episode of a server."""
        return self._call("GET", "/tools")["tools"]

    def submit(self, episode_id: str) -> dict[str, Any]:
        """Grade the episode as it stands (the model did not submit): the final observation."""
        return self._call("POST", f"/episodes/{episode_id}/submit")["observation"]

    def close(self, episode_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/episodes/{episode_id}")["record"]
