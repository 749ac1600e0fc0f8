"""A tool call from a client or a model's text -> (name, arguments), or why it is malformed.

Accepted shapes: a dict ``{"name": ..., "arguments": {...} | "<json>"}`` (OpenAI / MCP style), or a
model's text holding one such JSON object (alone, in a ```json fence, or between <tool_call> tags,
as Qwen / Hermes templates write it) or a Harmony call (``to=functions.NAME ... <|message|>{...}``).
Arguments are checked against the tool's JSON schema (jsonschema), so the model learns what was
wrong from the observation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator

from harness.env.tools import TOOLS


class CallError(ValueError):
    """The call is malformed: its text says what is wrong, for the model to read."""


_VALIDATORS = {name: Draft202012Validator(tool.parameters) for name, tool in TOOLS.items()}
_HARMONY = re.compile(r"to=functions\.([\w.-]+)[^<]*?(?:<\|constrain\|>\s*json\s*)?<\|message\|>(.*?)(?:<\|call\|>|<\|end\|>|$)", re.S)
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.S)


def from_text(text: str) -> dict[str, Any]:
    """The last tool call in a model's text, as ``{"name", "arguments"}``; ``CallError`` if none."""
    if not isinstance(text, str):
        raise CallError("a tool call is a JSON object or text holding one")
    harmony = _HARMONY.findall(text)
    if harmony:
        name, raw = harmony[-1]
        return {"name": name, "arguments": raw.strip()}
    for pattern in (_TAGGED, _FENCE):
        found = pattern.findall(text)
        if found:
            return _json_call(found[-1])
    start = text.find("{")
    if start < 0:
        raise CallError('no tool call found: answer with one JSON object {"name": TOOL, "arguments": {...}}')
    return _json_call(text[start:text.rfind("}") + 1])


def _json_call(raw: str) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise CallError(f"the tool call is not valid JSON ({e.msg} at character {e.pos})") from None
    if not isinstance(obj, dict):
        raise CallError("the tool call must be a JSON object with 'name' and 'arguments'")
    return obj


def parse(call: Any) -> tuple[str, dict[str, Any]]:
    """(tool name, checked arguments) from a dict or text; ``CallError`` says what is wrong."""
    if isinstance(call, str):
        call = from_text(call)
    if not isinstance(call, dict):
        raise CallError("a tool call is a JSON object with 'name' and 'arguments'")
    if "function" in call and isinstance(call["function"], dict):  # OpenAI's {"type": "function", "function": {...}}
        call = call["function"]
    name = call.get("name")
    if not isinstance(name, str) or not name:
        raise CallError("the tool call has no 'name'")
    if name not in TOOLS:
        raise CallError(f"unknown tool {name[:60]!r}; the tools are: {', '.join(TOOLS)}")
    args = call.get("arguments", call.get("parameters", {}))
    if args is None:
        args = {}
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as e:
            raise CallError(f"the arguments of {name} are not valid JSON ({e.msg} at character {e.pos})") from None
    if not isinstance(args, dict):
        raise CallError(f"the arguments of {name} must be a JSON object")
    errors = sorted(_VALIDATORS[name].iter_errors(args), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path)
        raise CallError(f"bad arguments for {name}: {(where + ': ') if where else ''}{e.message}")
    return name, args
