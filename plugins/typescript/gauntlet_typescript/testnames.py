"""Test ids: ``file > describe > test``, and the static list of a file's tests.

The static list (describe / it / test calls whose names are string literals) names the tests of a
file whose worker crashed before reporting them, so they can be marked as errors under the same
ids a healthy run reports.
"""

from __future__ import annotations

from gauntlet_typescript.syntax import parse, string_value, walk

SEP = " > "
SUITE = {"describe", "suite", "context"}
TEST = {"it", "test", "specify"}


def make_id(file: str, *names: str) -> str:
    return SEP.join([file, *names])


def id_file(test_id: str) -> str:
    return test_id.split(SEP, 1)[0]


def _callee(node) -> tuple[str, str | None] | None:
    """('describe', None) for describe(...), ('it', 'skip') for it.skip(...); None for anything else."""
    fn = node.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return fn.text.decode(), None
    if fn.type == "member_expression":
        obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
        if obj is not None and prop is not None and obj.type == "identifier":
            return obj.text.decode(), prop.text.decode()
    return None


def static_tests(path: str, source: bytes) -> list[str]:
    """Ids of the tests a file declares with literal names (``.each`` tables are left out)."""
    tree = parse(path, source)
    out: list[str] = []

    def names(node) -> list[str] | None:
        chain: list[str] = []
        n = node.parent
        while n is not None:
            if n.type == "call_expression":
                c = _callee(n)
                if c and c[0] in SUITE and c[1] != "each":
                    args = n.child_by_field_name("arguments")
                    first = args.named_children[0] if args is not None and args.named_children else None
                    title = string_value(first) if first is not None else None
                    if title is None:
                        return None
                    chain.append(title)
            n = n.parent
        return list(reversed(chain))

    for node in walk(tree.root_node):
        if node.type != "call_expression":
            continue
        c = _callee(node)
        if not c or c[0] not in TEST or c[1] == "each":
            continue
        args = node.child_by_field_name("arguments")
        if args is None or not args.named_children:
            continue
        title = string_value(args.named_children[0])
        chain = names(node)
        if title is not None and chain is not None:
            out.append(make_id(path, *chain, title))
    return out
