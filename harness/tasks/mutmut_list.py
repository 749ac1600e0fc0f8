"""List mutmut's mutants of a project as plain edits, one JSON record per mutant on stdout.

Run as ``python -m harness.tasks.mutmut_list ROOT FILE...`` in its own process: mutmut keeps its
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
    from mutmut.mutation.file_mutation import create_mutations

    # mutmut guesses the package directory from the folder's name and gives up when it cannot; we
    # pass the files ourselves, so any answer will do.
    configuration._guess_source_paths = lambda: ["."]
    for path in files:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            module, mutations, *_ = create_mutations(path, source, None, None)
        except Exception as e:  # libcst cannot parse it: mutmut itself skips such files
            print(f"mutmut skips {path}: {e}", file=sys.stderr)
            continue
        for mut in mutations:
            if mut.contained_by_top_level_function is None:
                continue  # mutmut runs only the mutants inside functions (its trampolines)
            after = module.deep_replace(mut.original_node, mut.mutated_node).code
            print(json.dumps({"file": path, "after": after}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
