"""tree-sitter parsing shared by mutation and test listing (typescript and tsx grammars, offline wheels)."""

from __future__ import annotations

import functools

import tree_sitter
import tree_sitter_typescript


@functools.cache
def parser(path: str) -> tree_sitter.Parser:
    """The tsx grammar for .tsx/.jsx (and plain .js, which may hold JSX), typescript otherwise."""
    tsx = path.endswith((".tsx", ".jsx", ".js", ".mjs", ".cjs"))
    lang = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    return tree_sitter.Parser(tree_sitter.Language(lang))


def parse(path: str, source: bytes) -> tree_sitter.Tree:
    return parser(path).parse(source)


def walk(node: tree_sitter.Node):
    """Every node below ``node`` in source order (iterative: deep trees do not hit the recursion limit)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def string_value(node: tree_sitter.Node) -> str | None:
    """The text of a string literal or a template without substitutions, else None."""
    if node.type == "string" or (node.type == "template_string" and not any(
            c.type == "template_substitution" for c in node.children)):
        return "".join(c.text.decode() for c in node.children if c.type in ("string_fragment", "escape_sequence"))
    return None
