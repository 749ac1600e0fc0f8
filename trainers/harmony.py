"""Harmony-style conversations: the roadmap's thinking / tool_call / tool_result channels.

Turns are chat messages (developer, user, assistant, tool) rendered with the model's own chat
template; the channels live inside the contents:

    <|thinking|>...<|/thinking|>
    <|tool_call|>
    {"id": "call_1", "name": "apply_patch", "arguments": {"patch": "..."}}
    <|tool_result|><|tool_call_id|>call_1
    ...

A tool call is one JSON line, the shape ``harness.rewards.parse`` reads, so the reward that GRPO
uses parses exactly what SFT taught.
"""

from __future__ import annotations

import difflib
import json
import random

THINK, END_THINK, CALL, RESULT, CALL_ID = "<|thinking|>", "<|/thinking|>", "<|tool_call|>", "<|tool_result|>", "<|tool_call_id|>"
MARKERS = (THINK, END_THINK, CALL, RESULT, CALL_ID)

DEVELOPER = {
    "sft": "You are a {language} coding agent. Use tools to read, modify, and test code.",
    "ipo": "You are a senior {language} engineer. Write minimal, correct patches.",
}
GRPO_DEVELOPER = (
    "Fix the bug without changing the public API.",
    "Debug this production issue. Minimize your changes.",
    "Review this code and fix any issues you find.",
    "Implement the function according to the test specification.",
)


def developer(stage: str, language: str, rng: random.Random | None = None) -> str:
    if stage == "grpo":
        return (rng or random).choice(GRPO_DEVELOPER) + f" You work in {language}; answer with an apply_patch tool call."
    return DEVELOPER[stage].format(language=language)


def thinking(text: str) -> str:
    return f"{THINK}\n{text}\n{END_THINK}"


def tool_call(call_id: str, name: str, arguments: dict) -> str:
    return f"{CALL}\n" + json.dumps({"id": call_id, "name": name, "arguments": arguments})


def tool_result(call_id: str, content: str) -> str:
    return f"{RESULT}{CALL_ID}{call_id}\n{content}"


def unified_patch(path: str, before: str, after: str) -> str:
    body = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}"))
    return f"diff --git a/{path} b/{path}\n{body}"


def task_user_message(problem: str, file: str | None, content: str | None) -> str:
    """The issue, and the file to look at first (single-file stage of the curriculum)."""
    text = problem.strip()
    if file and content is not None:
        text += f"\n\nFile `{file}`:\n```\n{content}\n```"
    return text


def patch_answer(patch: str, reason: str = "") -> str:
    """The assistant turn GRPO and IPO score: reasoning, then one apply_patch call."""
    return thinking(reason or "**Plan**: patch the faulty line, then run the tests.") + "\n" + tool_call(
        "call_1", "apply_patch", {"patch": patch})


def debug_conversation(pair: dict, stage: str = "sft") -> list[dict]:
    """A debug pair (buggy file, fixed file, failing output) as a read -> patch -> test trajectory."""
    language, file = pair["language"], pair["file"]
    failing = ", ".join(pair.get("failing_tests", [])[:5]) or "some tests"
    output = (pair.get("failing_output") or "")[-1500:]
    patch = unified_patch(file, pair["buggy"], pair["fixed"])
    return [
        {"role": "developer", "content": developer(stage, language)},
        {"role": "user", "content": f"These tests fail: {failing}.\n\nTest output:\n```\n{output}\n```"},
        {"role": "assistant", "content": thinking(f"**Observe**: {failing} fail.\n**Plan**: read `{file}` first.")
         + "\n" + tool_call("call_1", "read_file", {"path": file})},
        {"role": "tool", "content": tool_result("call_1", pair["buggy"])},
        {"role": "assistant", "content": thinking("**Hypothesize**: the failing assertion points at this change.\n"
                                                  "**Execute**: apply a minimal patch, then run the tests.")
         + "\n" + tool_call("call_2", "apply_patch", {"patch": patch})},
        {"role": "tool", "content": tool_result("call_2", "patch applied")},
        {"role": "assistant", "content": tool_call("call_3", "run_tests", {})},
        {"role": "tool", "content": tool_result("call_3", f"{failing}: passed")},
        {"role": "assistant", "content": f"Fixed the bug in `{file}`; the failing tests pass again."},
    ]
