"""Candidate bugs for Rust sources, found with tree-sitter-rust (never in tests).

Operators (each a small, plausible slip that usually still compiles):

- ``comparison_flip``: ``<``/``<=``, ``>``/``>=``, ``==``/``!=``
- ``arithmetic_flip``: ``+``/``-``, ``*``/``/``, ``%`` to ``/``, and the compound forms (``+=`` ...)
- ``off_by_one``: an integer literal n to n + 1 and n - 1 (suffix kept: ``2u64`` to ``3u64``)
- ``logical_swap``: ``&&``/``||``
- ``negate_condition``: ``if c`` / ``while c`` to ``!(c)`` (not ``if let``)
- ``remove_try``: ``expr?`` to ``expr``
- ``remove_early_return``: a ``return ...;`` inside an ``if`` block removed
- ``ok_err_swap``: ``Ok(x)`` to ``Err(Default::default())``, ``Err(e)`` to ``Ok(Default::default())``
- ``some_none_swap``: ``Some(x)`` to ``None``, ``None`` to ``Some(Default::default())``
- ``replace_return``: a function body to ``Default::default()`` (``true`` / ``false`` for ``bool``)

Skipped: files under ``tests/``, ``benches/``, ``examples/`` and ``target/``; items marked
``#[cfg(test)]`` or ``#[test]`` (and files with ``#![cfg(test)]``); attributes and array lengths.
"""

from __future__ import annotations

import functools
import random
import re
from pathlib import Path

from harness.mutation import MutateOptions, Mutation, make_mutation

OPERATORS = ("comparison_flip", "arithmetic_flip", "off_by_one", "logical_swap", "negate_condition",
             "remove_try", "remove_early_return", "ok_err_swap", "some_none_swap", "replace_return")
COMPARISON = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITHMETIC = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "/",
              "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="}
LOGICAL = {"&&": "||", "||": "&&"}
SKIP_DIRS = {"tests", "benches", "examples", "target", ".git"}
_TEST_ATTR = re.compile(r"^#\[\s*(?:cfg\s*\(\s*test\s*\)|test|tokio::test|\w+::test)\s*\]$")
_INT = re.compile(r"^(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)([iu](?:8|16|32|64|128|size))?$")


@functools.cache
def _parser():
    import tree_sitter
    import tree_sitter_rust

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))


def source_files(workspace: Path, only: tuple[str, ...] | None) -> list[str]:
    files = []
    for path in sorted(workspace.rglob("*.rs")):
        rel = path.relative_to(workspace)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]):
            continue
        files.append(rel.as_posix())
    if only is not None:
        wanted = {f.replace("\\", "/") for f in only}
        files = [f for f in files if f in wanted]
    return files


def _is_test_item(node) -> bool:
    """An item preceded by ``#[cfg(test)]`` / ``#[test]`` attributes (tree-sitter makes them siblings)."""
    prev = node.prev_named_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item" and _TEST_ATTR.match(re.sub(r"\s+", "", prev.text.decode())):
            return True
        prev = prev.prev_named_sibling
    return False


def _walk(node):
    """Nodes in source order, not descending into test items, attributes or array lengths."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("attribute_item", "inner_attribute_item", "array_type") or _is_test_item(n):
            continue
        yield n
        stack.extend(reversed(n.children))


def mutations_for(path: str, source: str, operators=OPERATORS) -> list[Mutation]:
    data = source.encode()
    tree = _parser().parse(data)
    if any(c.type == "inner_attribute_item" and re.sub(r"\s+", "", c.text.decode()) == "#![cfg(test)]"
           for c in tree.root_node.children):
        return []
    char = _char_offsets(data, source)
    out: list[Mutation] = []

    def add(start: int, end: int, replacement: str, operator: str) -> None:
        if operator in operators:
            out.append(make_mutation(path, source, char(start), char(end), replacement, operator))

    for node in _walk(tree.root_node):
        t = node.type
        if t in ("binary_expression", "compound_assignment_expr"):
            op = node.child_by_field_name("operator")
            if op is None:
                continue
            if op.type in COMPARISON:
                add(op.start_byte, op.end_byte, COMPARISON[op.type], "comparison_flip")
            elif op.type in ARITHMETIC:
                add(op.start_byte, op.end_byte, ARITHMETIC[op.type], "arithmetic_flip")
            elif op.type in LOGICAL:
                add(op.start_byte, op.end_byte, LOGICAL[op.type], "logical_swap")
        elif t == "integer_literal":
            _off_by_one(node, add)
        elif t in ("if_expression", "while_expression"):
            cond = node.child_by_field_name("condition")
            if cond is not None and cond.type not in ("let_condition", "let_chain"):
                add(cond.start_byte, cond.end_byte, f"!({cond.text.decode()})", "negate_condition")
        elif t == "try_expression":
            inner = node.named_children[0] if node.named_children else None
            if inner is not None:
                add(node.start_byte, node.end_byte, inner.text.decode(), "remove_try")
        elif t == "expression_statement" and _early_return(node):
            add(node.start_byte, node.end_byte, "", "remove_early_return")
        elif t == "call_expression":
            fn = node.child_by_field_name("function")
            name = fn.text.decode() if fn is not None else ""
            if name == "Ok":
                add(node.start_byte, node.end_byte, "Err(Default::default())", "ok_err_swap")
            elif name == "Err":
                add(node.start_byte, node.end_byte, "Ok(Default::default())", "ok_err_swap")
            elif name == "Some":
                add(node.start_byte, node.end_byte, "None", "some_none_swap")
        elif t == "identifier" and node.text == b"None" and _is_value(node):
            add(node.start_byte, node.end_byte, "Some(Default::default())", "some_none_swap")
        elif t == "function_item":
            _replace_return(node, add)
    return out


def _off_by_one(node, add) -> None:
    m = _INT.match(node.text.decode())
    if not m:
        return
    digits, suffix = m.group(1), m.group(2) or ""
    try:
        value = int(digits.replace("_", ""), 0)
    except ValueError:
        return
    add(node.start_byte, node.end_byte, f"{value + 1}{suffix}", "off_by_one")
    if value > 0:
        add(node.start_byte, node.end_byte, f"{value - 1}{suffix}", "off_by_one")


def _early_return(node) -> bool:
    """``return ...;`` as a statement of a block that belongs to an ``if``."""
    expr = node.named_children[0] if node.named_children else None
    block = node.parent
    return (expr is not None and expr.type == "return_expression" and block is not None
            and block.type == "block" and block.parent is not None and block.parent.type == "if_expression")


_PATTERNS = {"match_pattern", "tuple_struct_pattern", "or_pattern", "tuple_pattern", "slice_pattern",
             "field_pattern", "scoped_identifier", "use_declaration", "use_list"}


def _is_value(node) -> bool:
    """``None`` used as a value, not as a pattern (``match`` arms, ``let`` left-hand sides)."""
    parent = node.parent
    if parent is None or parent.type in _PATTERNS:
        return False
    return parent.type != "let_declaration" or parent.child_by_field_name("pattern") != node


def _replace_return(node, add) -> None:
    ret, body = node.child_by_field_name("return_type"), node.child_by_field_name("body")
    if ret is None or body is None or ret.type in ("abstract_type", "never_type"):
        return
    if ret.text.decode() == "bool":
        add(body.start_byte, body.end_byte, "{ true }", "replace_return")
        add(body.start_byte, body.end_byte, "{ false }", "replace_return")
    elif ret.text.decode() != "Self":
        add(body.start_byte, body.end_byte, "{ Default::default() }", "replace_return")


def _char_offsets(data: bytes, text: str):
    """tree-sitter counts bytes; Mutation counts characters."""
    if len(data) == len(text):
        return lambda b: b
    return lambda b: len(data[:b].decode("utf-8", "replace"))


def test_module_files(rel: str, source: str) -> set[str]:
    """Files of ``#[cfg(test)] mod name;`` declared in ``rel`` (``name.rs`` or ``name/mod.rs``)."""
    tree = _parser().parse(source.encode())
    here = Path(rel)
    base = here.parent if here.name in ("lib.rs", "main.rs", "mod.rs") else here.parent / here.stem
    out = set()
    for node in tree.root_node.children:
        if node.type == "mod_item" and node.child_by_field_name("body") is None and _is_test_item(node):
            name = node.child_by_field_name("name").text.decode()
            out |= {(base / f"{name}.rs").as_posix(), (base / name / "mod.rs").as_posix()}
    return out


def mutate(workspace: Path, options: MutateOptions) -> list[Mutation]:
    operators = tuple(o for o in (options.operators or OPERATORS) if o in OPERATORS)
    sources: dict[str, str] = {}
    for rel in source_files(workspace, options.files):
        try:
            sources[rel] = (workspace / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    test_files = set().union(*(test_module_files(rel, src) for rel, src in sources.items()))
    found: list[Mutation] = []
    for rel, source in sources.items():
        if rel not in test_files:
            found += mutations_for(rel, source, operators)
    found.sort(key=lambda m: (m.file, m.start, m.operator, m.replacement))
    if options.max_candidates is not None and len(found) > options.max_candidates:
        picked = random.Random(options.seed).sample(range(len(found)), options.max_candidates)
        found = [found[i] for i in sorted(picked)]
    return found
