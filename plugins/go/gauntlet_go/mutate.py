"""Candidate bugs for Go sources, found with tree-sitter-go (never in ``_test.go`` files).

Operators (small, plausible slips; most still compile):

- ``comparison_flip``: ``<``/``<=``, ``>``/``>=``, ``==``/``!=`` (not nil checks: see below)
- ``err_check_flip``: ``x != nil`` / ``x == nil`` flipped (``if err != nil`` -> ``if err == nil``)
- ``arithmetic_flip``: ``+``/``-``, ``*``/``/``, ``%`` to ``*``, and ``+=`` ... (not on string literals)
- ``logical_swap``: ``&&``/``||``
- ``off_by_one``: an integer literal n to n + 1 and n - 1 (not array lengths)
- ``negate_condition``: ``if c`` / ``for c`` to ``!(c)``
- ``drop_error_return``: the error of ``return ..., err`` replaced by ``nil`` (functions that
  return ``error`` last)
- ``swap_arguments``: the first two arguments of a call swapped, where both are of one kind
  (identifiers, literals, selectors), so that the swap usually type-checks
- ``remove_statement``: a call statement, ``x++`` / ``x--`` or an assignment (not ``:=``) removed

Skipped: ``_test.go`` files, ``vendor/``, ``testdata/``, directories starting with ``.`` or ``_``,
and generated files (``// Code generated ... DO NOT EDIT.``).
"""

from __future__ import annotations

import functools
import random
import re
from pathlib import Path

from harness.mutation import MutateOptions, Mutation, make_mutation

OPERATORS = ("comparison_flip", "err_check_flip", "arithmetic_flip", "logical_swap", "off_by_one",
             "negate_condition", "drop_error_return", "swap_arguments", "remove_statement")
COMPARISON = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITHMETIC = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}
COMPOUND = {"+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="}
LOGICAL = {"&&": "||", "||": "&&"}
SKIP_DIRS = {"vendor", "testdata"}
_GENERATED = re.compile(r"^// Code generated .* DO NOT EDIT\.$", re.M)
_INT = re.compile(r"^(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]*|0[bB][01_]+|[1-9][0-9_]*|0)$")
_STRINGS = ("interpreted_string_literal", "raw_string_literal")
_SWAPPABLE = {"identifier", "int_literal", "float_literal", "selector_expression", *_STRINGS}


@functools.cache
def _parser():
    import tree_sitter
    import tree_sitter_go

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language()))


def source_files(workspace: Path, only: tuple[str, ...] | None) -> list[str]:
    files = []
    for path in sorted(workspace.rglob("*.go")):
        rel = path.relative_to(workspace)
        if rel.name.endswith("_test.go") or any(
                p in SKIP_DIRS or p.startswith((".", "_")) for p in rel.parts[:-1]):
            continue
        files.append(rel.as_posix())
    if only is not None:
        wanted = {f.replace("\\", "/") for f in only}
        files = [f for f in files if f in wanted]
    return files


def _walk(node):
    """Nodes in source order, not descending into array lengths."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed([c for c in n.children if c != n.child_by_field_name("length")]))


def mutations_for(path: str, source: str, operators=OPERATORS) -> list[Mutation]:
    if path.endswith("_test.go") or _GENERATED.search(source):
        return []
    data = source.encode()
    tree = _parser().parse(data)
    char = _char_offsets(data, source)
    out: list[Mutation] = []

    def add(start: int, end: int, replacement: str, operator: str) -> None:
        if operator in operators:
            out.append(make_mutation(path, source, char(start), char(end), replacement, operator))

    for node in _walk(tree.root_node):
        t = node.type
        if t == "binary_expression":
            _binary(node, add)
        elif t == "assignment_statement":
            op = node.child_by_field_name("operator")
            if op is not None and op.type in COMPOUND:
                add(op.start_byte, op.end_byte, COMPOUND[op.type], "arithmetic_flip")
            if _removable(node):
                add(node.start_byte, node.end_byte, "", "remove_statement")
        elif t == "int_literal" and node.parent is not None and node.parent.type != "array_type":
            _off_by_one(node, add)
        elif t in ("if_statement", "for_clause"):
            cond = node.child_by_field_name("condition")
            if cond is not None:
                add(cond.start_byte, cond.end_byte, f"!({cond.text.decode()})", "negate_condition")
        elif t == "for_statement":
            cond = next((c for c in node.named_children if c.type not in (
                "block", "for_clause", "range_clause", "comment")), None)
            if cond is not None:
                add(cond.start_byte, cond.end_byte, f"!({cond.text.decode()})", "negate_condition")
        elif t == "return_statement":
            _drop_error(node, add)
        elif t == "call_expression":
            _swap(node, add)
        elif t in ("expression_statement", "inc_statement", "dec_statement") and _removable(node):
            add(node.start_byte, node.end_byte, "", "remove_statement")
    return out


def _binary(node, add) -> None:
    op = node.child_by_field_name("operator")
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if op is None or left is None or right is None:
        return
    if op.type in ("==", "!=") and "nil" in (left.type, right.type):
        add(op.start_byte, op.end_byte, COMPARISON[op.type], "err_check_flip")
    elif op.type in COMPARISON:
        add(op.start_byte, op.end_byte, COMPARISON[op.type], "comparison_flip")
    elif op.type in ARITHMETIC and left.type not in _STRINGS and right.type not in _STRINGS:
        add(op.start_byte, op.end_byte, ARITHMETIC[op.type], "arithmetic_flip")
    elif op.type in LOGICAL:
        add(op.start_byte, op.end_byte, LOGICAL[op.type], "logical_swap")


def _off_by_one(node, add) -> None:
    text = node.text.decode()
    if not _INT.match(text):
        return
    try:
        value = int(text.replace("_", ""), 8 if re.match(r"^0[0-7_]+$", text) else 0)
    except ValueError:
        return
    add(node.start_byte, node.end_byte, str(value + 1), "off_by_one")
    if value > 0:
        add(node.start_byte, node.end_byte, str(value - 1), "off_by_one")


def _drop_error(node, add) -> None:
    """``return x, err`` -> ``return x, nil`` in a function whose last result is ``error``."""
    exprs = next((c for c in node.named_children if c.type == "expression_list"), None)
    if exprs is None or not exprs.named_children:
        return
    last = exprs.named_children[-1]
    if last.type == "nil" or not _returns_error(node):
        return
    add(last.start_byte, last.end_byte, "nil", "drop_error_return")


def _returns_error(node) -> bool:
    fn = node.parent
    while fn is not None and fn.type not in ("function_declaration", "method_declaration", "func_literal"):
        fn = fn.parent
    result = fn.child_by_field_name("result") if fn is not None else None
    if result is None:
        return False
    if result.type == "parameter_list":
        decls = [c for c in result.named_children if c.type == "parameter_declaration"]
        result = decls[-1].child_by_field_name("type") if decls else None
    return result is not None and result.text == b"error"


def _swap(node, add) -> None:
    args = node.child_by_field_name("arguments")
    named = [c for c in args.named_children if c.type != "comment"] if args is not None else []
    if len(named) < 2 or any(c.type == "variadic_argument" for c in named[:2]):
        return
    a, b = named[0], named[1]
    if a.type != b.type or a.type not in _SWAPPABLE or a.text == b.text:
        return
    middle = args.text[a.end_byte - args.start_byte:b.start_byte - args.start_byte].decode()
    add(a.start_byte, b.end_byte, f"{b.text.decode()}{middle}{a.text.decode()}", "swap_arguments")


def _removable(node) -> bool:
    """Statements whose removal leaves valid Go: calls, ``x++``, plain and compound assignments."""
    if node.parent is None or node.parent.type not in ("statement_list", "block"):
        return False
    if node.type == "expression_statement":
        return bool(node.named_children) and node.named_children[0].type == "call_expression"
    return True


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
