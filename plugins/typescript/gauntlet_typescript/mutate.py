"""Candidate bugs for TypeScript / JavaScript sources, found with tree-sitter (never in test files).

Operators (each a small, plausible slip):

- ``operator_flip``: ``+``/``-``, ``*``/``/``, ``%`` to ``*``, ``<``/``<=``, ``>``/``>=``, ``&&``/``||``, ``??`` to ``||``
- ``equality_swap``: ``===``/``!==``, ``==``/``!=``
- ``off_by_one``: an integer literal n to n + 1 and n - 1
- ``optional_chain_removal``: ``a?.b`` to ``a.b``, ``f?.()`` to ``f()``
- ``negate_condition``: the condition of if / while / do / ``?:`` to ``!(...)``
- ``swap_arguments``: the first two arguments of a call
- ``remove_statement``: an expression statement (a call, an assignment) inside a block
- ``remove_await``: ``await x`` to ``x``
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from gauntlet_typescript import project
from gauntlet_typescript.syntax import parse, walk
from harness.mutation import MutateOptions, Mutation, make_mutation

OPERATORS = ("operator_flip", "equality_swap", "off_by_one", "optional_chain_removal", "negate_condition",
             "swap_arguments", "remove_statement", "remove_await")
FLIPS = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*", "<": "<=", "<=": "<", ">": ">=", ">=": ">",
         "&&": "||", "||": "&&", "??": "||"}
EQUALITY = {"===": "!==", "!==": "===", "==": "!=", "!=": "=="}
_CONFIG = re.compile(r"(^|/)[^/]*\.config\.[cm]?[jt]s$")


def source_files(workspace: Path, only: tuple[str, ...] | None) -> list[str]:
    files = project.iter_sources(workspace, project.TS_SUFFIXES + project.JS_SUFFIXES)
    files = [f for f in files if not project.is_test_file(f) and not _CONFIG.search(f)]
    if only is not None:
        wanted = {f.replace("\\", "/") for f in only}
        files = [f for f in files if f in wanted]
    return files


def mutations_for(path: str, source: str, operators=OPERATORS) -> list[Mutation]:
    data = source.encode()
    tree = parse(path, data)
    char = _char_offsets(data, source)
    out: list[Mutation] = []

    def add(node_start: int, node_end: int, replacement: str, operator: str) -> None:
        if operator in operators:
            out.append(make_mutation(path, source, char(node_start), char(node_end), replacement, operator))

    for node in walk(tree.root_node):
        t = node.type
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type in FLIPS:
                add(op.start_byte, op.end_byte, FLIPS[op.type], "operator_flip")
            elif op is not None and op.type in EQUALITY:
                add(op.start_byte, op.end_byte, EQUALITY[op.type], "equality_swap")
        elif t == "number" and node.parent is not None and node.parent.type != "literal_type":
            text = node.text.decode()
            if re.fullmatch(r"\d+", text):
                n = int(text)
                add(node.start_byte, node.end_byte, str(n + 1), "off_by_one")
                if n > 0:
                    add(node.start_byte, node.end_byte, str(n - 1), "off_by_one")
        elif t == "optional_chain":
            parent = node.parent.type if node.parent is not None else ""
            add(node.start_byte, node.end_byte, "." if parent == "member_expression" else "", "optional_chain_removal")
        elif t in ("if_statement", "while_statement", "do_statement", "ternary_expression"):
            cond = node.child_by_field_name("condition")
            if cond is not None and cond.type == "parenthesized_expression" and cond.named_child_count == 1:
                cond = cond.named_children[0]
            if cond is not None:
                add(cond.start_byte, cond.end_byte, f"!({cond.text.decode()})", "negate_condition")
        elif t == "call_expression":
            args = node.child_by_field_name("arguments")
            named = [a for a in args.named_children if a.type != "comment"] if args is not None else []
            if len(named) >= 2 and named[0].text != named[1].text and "spread_element" not in (named[0].type, named[1].type):
                a, b = named[0], named[1]
                between = data[a.end_byte:b.start_byte].decode()
                add(a.start_byte, b.end_byte, b.text.decode() + between + a.text.decode(), "swap_arguments")
        elif t == "expression_statement" and node.parent is not None and node.parent.type == "statement_block":
            expr = node.named_children[0] if node.named_children else None
            if expr is not None and expr.type in ("call_expression", "assignment_expression",
                                                  "augmented_assignment_expression", "update_expression",
                                                  "await_expression"):
                add(node.start_byte, node.end_byte, "", "remove_statement")
        elif t == "await_expression" and node.named_child_count == 1:
            inner = node.named_children[0]
            add(node.start_byte, node.end_byte, inner.text.decode(), "remove_await")
    return out


def _char_offsets(data: bytes, text: str):
    """tree-sitter counts bytes; Mutation counts characters."""
    if len(data) == len(text):
        return lambda b: b
    return lambda b: len(data[:b].decode("utf-8", "replace"))


def mutate(workspace: Path, options: MutateOptions) -> list[Mutation]:
    operators = tuple(o for o in (options.operators or OPERATORS) if o in OPERATORS)
    found: list[Mutation] = []
    for rel in source_files(workspace, options.files):
        try:
            source = (workspace / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found += mutations_for(rel, source, operators)
    found.sort(key=lambda m: (m.file, m.start, m.operator, m.replacement))
    if options.max_candidates is not None and len(found) > options.max_candidates:
        picked = random.Random(options.seed).sample(range(len(found)), options.max_candidates)
        found = [found[i] for i in sorted(picked)]
    return found
