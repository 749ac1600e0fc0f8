"""mutmut (3.x) as a candidate source for task generation (``--source mutmut``).

mutmut's operators run on each source file in a helper process (``mutmut_list.py``); each mutant
becomes one plain edit of the file.  mutmut's own files (trampolines, ``mutants/``) are never
written.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from gauntlet_python.mutate import source_files
from harness.mutation import Mutation, MutationTool, minimal_edit

LISTING = Path(__file__).with_name("mutmut_list.py")


def installed() -> bool:
    """Found, not imported: the listing imports it in its own process."""
    try:
        return importlib.util.find_spec("mutmut.mutation.file_mutation") is not None
    except ImportError:
        return False


def candidates(tree: Path, files: list[str] | None = None) -> list[Mutation]:
    files = _sources(tree) if files is None else files
    done = subprocess.run([sys.executable, str(LISTING), str(tree), *files],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"listing mutmut's mutants failed: {done.stderr.strip()[-500:]}")
    out: list[Mutation] = []
    sources: dict[str, str] = {}
    for line in done.stdout.splitlines():
        rec = json.loads(line)
        path = rec["file"]
        if path not in sources:
            sources[path] = (tree / path).read_bytes().decode("utf-8")
        m = minimal_edit(path, sources[path], rec["after"], "mutmut")
        if m:
            out.append(m)
    return out


def _sources(tree: Path) -> list[str]:
    """The plugin's source files, less the project scripts mutmut has nothing to do in."""
    return [f.as_posix() for f in source_files(tree, None)
            if f.name not in ("setup.py", "noxfile.py") and "mutants" not in f.parts]


TOOL = MutationTool(name="mutmut", install="pip install 'mutmut>=3.3'", installed=installed, candidates=candidates)
