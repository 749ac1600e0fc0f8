"""List mutmut's mutants of a project as plain edits, one JSON record per mutant on stdout.

Run as ``python mutmut_list.py ROOT FILE...`` (this file) in its own process: mutmut keeps its
configuration in a module global and reads it from the working directory, so a fresh process per
project keeps that state away from the harness (and from other projects).
"""

from __future__ import annotations

import json
import os
import sys


def main(root: str, files: list[str]) -> None:
    os.chdir(root)
    import mutmut.configuration as configuration

    # mutmut guesses the package directory from the folder's name and gives up when it cannot; we
    # pass the files ourselves, so any answer will do.
    configuration._guess_source_paths = lambda: ["."]
    for path in files:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            for after in mutants(path, source):
                print(json.dumps({"file": path, "after": after}))
        except Exception as e:  # libcst cannot parse it: mutmut itself skips such files
            print(f"mutmut skips {path}: {e}", file=sys.stderr)


def mutants(path: str, source: str, splice: bool = True):
    """The text of the file for each of mutmut's mutants inside a function (the ones mutmut runs,
    through its trampolines).  Regenerating the whole module per mutant (``deep_replace`` then
    ``.code``, what ``splice=False`` does) costs ~40 ms on a 1,000-line file; splicing the mutated
    node's text in at the original node's place is the same text at a fraction of the cost."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, WhitespaceInclusivePositionProvider
    from mutmut.mutation.file_mutation import create_mutations

    module, mutations, *_ = create_mutations(path, source, None, None)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(WhitespaceInclusivePositionProvider)
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for mut in mutations:
        if mut.contained_by_top_level_function is None:
            continue
        after = None
        where = positions.get(mut.original_node)
        if splice and where is not None and isinstance(mut.mutated_node, cst.CSTNode):
            start = starts[where.start.line - 1] + where.start.column
            end = starts[where.end.line - 1] + where.end.column
            if source[start:end] == module.code_for_node(mut.original_node):
                after = source[:start] + module.code_for_node(mut.mutated_node) + source[end:]
        if after is None:  # a removal, or a node whose text is not where its position says
            after = module.deep_replace(mut.original_node, mut.mutated_node).code
        yield after


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
