"""Completion -> artefact (code or patch), or a format error (the -1.0 row).

Two shapes are read:
- Harmony-style tool calls: ``<|channel|>commentary to=functions.apply_patch <|constrain|>json
  <|message|>{...}<|call|>``, or JSON objects ``{"name": "apply_patch", "arguments": {...}}``;
  ``apply_patch`` carries the patch, ``write_solution`` / ``submit`` carry code.  A call whose
  arguments are not valid JSON, or that lacks its payload, is malformed.  Frameworks that decode
  with ``skip_special_tokens=True`` (verl, TRL) hand over the Harmony call without its markers
  (``assistantcommentary to=functions.submit json{...}``): that form is read too.
- Markdown fences: the last fenced block (```diff for patches, any language for code).

Chat completions (lists of messages) become text with ``completion_text``: only the assistant's
turns count, with their structured ``tool_calls`` as JSON lines; tool results are not graded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_HARMONY = re.compile(r"to=functions\.(\w+)[^<]*?(?:<\|channel\|>\w+\s*)?(?:<\|constrain\|>\s*json\s*)?<\|message\|>(.*?)"
                      r"(?:<\|call\|>|<\|end\|>|$)", re.S)
# The same call after the special tokens were stripped: the recipient may run into the channel name
# (``to=functions.submitcommentary json{``) or the constraint (``to=functions.submitjson{``).
_HARMONY_BARE = re.compile(r"to=functions\.(\w+?)(?:commentary|analysis)?\s*(?:json)?\s*(?=\{)")
_FENCE = re.compile(r"```([\w+-]*)[^\n]*\n(.*?)```", re.S)
_PATCH_KEYS = ("patch", "diff", "input")
_CODE_KEYS = ("code", "solution", "content")
PATCH_TOOLS = {"apply_patch"}
CODE_TOOLS = {"write_solution", "submit", "submit_solution"}


@dataclass
class Parsed:
    artefact: str | None  # the code or patch; None when the completion is unusable
    kind: str  # "patch" | "code" | "none"
    source: str  # "tool_call" | "fence" | "raw" | "none"
    error: str | None = None  # a format error (invalid tool call, no code)
    tool_calls: int = 0

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "error": self.error, "tool_calls": self.tool_calls,
                "artefact_chars": len(self.artefact or "")}


def _bare_harmony(text: str) -> list[tuple[str, str]]:
    """Harmony calls whose special tokens were stripped: the arguments are the JSON object that follows."""
    calls, decoder = [], json.JSONDecoder()
    for m in _HARMONY_BARE.finditer(text):
        try:
            _, end = decoder.raw_decode(text, m.end())
            calls.append((m.group(1), text[m.end():end]))
        except json.JSONDecodeError:
            nxt = _HARMONY_BARE.search(text, m.end())
            calls.append((m.group(1), text[m.end():nxt.start() if nxt else len(text)].strip()))
    return calls


def _tool_calls(text: str) -> list[tuple[str, str]]:
    calls = [(m.group(1), m.group(2).strip()) for m in _HARMONY.finditer(text)]
    if "<|message|>" not in text:
        calls += _bare_harmony(text)
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and '"name"' in line and '"arguments"' in line:
            try:
                obj = json.loads(line)
                if not isinstance(obj["name"], str):  # a list or object as the tool's name
                    raise TypeError("the tool name is not a string")
                calls.append((obj["name"], json.dumps(obj["arguments"]) if not isinstance(obj["arguments"], str)
                              else obj["arguments"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                calls.append(("<malformed>", line))
    return calls


def parse_completion(text: str, want: str) -> Parsed:
    """``want`` is "patch" (repository tasks) or "code" (solution tasks)."""
    calls = _tool_calls(text)
    useful = PATCH_TOOLS if want == "patch" else CODE_TOOLS
    for name, raw in reversed(calls):
        if name == "<malformed>":
            return Parsed(None, "none", "tool_call", f"malformed tool call: {raw[:120]}", len(calls))
        if name not in useful:
            continue
        try:
            args = json.loads(raw)
        except json.JSONDecodeError as e:
            return Parsed(None, "none", "tool_call", f"arguments of {name} are not valid JSON: {e}", len(calls))
        keys = _PATCH_KEYS if want == "patch" else _CODE_KEYS
        payload = next((args[k] for k in keys if isinstance(args, dict) and isinstance(args.get(k), str)), None)
        if payload is None:
            return Parsed(None, "none", "tool_call", f"{name} call has none of the fields {', '.join(keys)}", len(calls))
        return Parsed(payload, want, "tool_call", None, len(calls))
    blocks = _FENCE.findall(text)
    if want == "patch":
        for lang, body in reversed(blocks):
            if lang in ("diff", "patch") or body.lstrip().startswith(("diff --git", "--- ")):
                return Parsed(body, "patch", "fence", None, len(calls))
        if text.lstrip().startswith(("diff --git", "--- ")):
            return Parsed(text, "patch", "raw", None, len(calls))
        return Parsed(None, "none", "none", "no patch found (no apply_patch call, no ```diff block)", len(calls))
    if blocks:
        return Parsed(blocks[-1][1], "code", "fence", None, len(calls))
    return Parsed(None, "none", "none", "no code found (no fenced code block, no submit call)", len(calls))


def completion_text(completion: Any) -> str:
    """The text to grade.  A string as it is; a chat completion (a message or a list of them): the
    assistant turns only (a tool's output may hold code that is not the answer), their content
    parts joined, each structured tool call (``{"type": "function", "function": {...}}`` from
    transformers' ``parse_response``, or ``{"name", "arguments"}``) as a JSON line."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if not isinstance(completion, (list, tuple)):
        return "" if completion is None else str(completion)
    parts = []
    for m in completion:
        if not isinstance(m, dict) or m.get("role", "assistant") != "assistant":
            continue
        parts.append(_content_text(m.get("content")))
        for call in m.get("tool_calls") or []:
            fn = call.get("function", call) if isinstance(call, dict) else {}
            parts.append(json.dumps({"name": fn.get("name"), "arguments": fn.get("arguments")}))
    return "\n".join(p for p in parts if p)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: {"type": "text", "text": ...}
        return "".join(p if isinstance(p, str) else str(p.get("text") or "") for p in content
                       if isinstance(p, str) or (isinstance(p, dict) and p.get("type", "text") == "text"))
    return str(content)
