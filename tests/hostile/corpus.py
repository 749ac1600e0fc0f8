"""The hostile-code corpus: which cases exist, and how each language builds and runs them.

Every language directory holds one small real program or module per case (``tests/hostile/<lang>``);
``build`` compiles the whole corpus once inside a sandbox and ``argv`` runs one case of it, so the
code under test runs exactly where model-written code runs.  ``tests/test_hostile_sandbox.py`` is
the table that runs every case under every backend and language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).parent

# Every hostile case, in the order SECURITY.md lists them.  "ok" is the well-behaved control.
CASES = ("fork_bomb", "memory_bomb", "infinite_loop", "sleep_past_timeout", "flood_stdout", "flood_stderr",
         "network", "read_host", "write_outside", "delete_workspace", "kill_parent", "daemon", "fill_disk",
         "docker_socket", "read_secrets", "write_host", "setuid", "signal_harness", "leftover")
TIMEOUT_CASES = ("infinite_loop", "sleep_past_timeout")


@dataclass(frozen=True)
class Language:
    """How to build the corpus of one language in a sandbox and run one case of it."""

    name: str
    tools: tuple[str, ...]             # what the local backend needs on PATH
    build: tuple[str, ...] = ()        # argv run once in the corpus directory; () = nothing to build
    artifacts: tuple[str, ...] = ()    # files the build leaves, copied into every case's workspace
    run: tuple[str, ...] = ()          # argv prefix; the case name and its argument follow
    env: dict[str, str] = field(default_factory=dict)     # extra environment of the build
    caches: dict[str, str] = field(default_factory=dict)  # env var -> cache_dir name, for the build

    def argv(self, case: str, arg: str) -> list[str]:
        if self.name == "python":
            return ["python3", f"{case}.py", arg]
        return [*self.run, case, arg]

    def files(self) -> list[str]:
        if self.name == "python":
            return [f"{case}.py" for case in ("ok", *CASES)]
        return list(self.artifacts)


LANGUAGES = {
    "python": Language("python", ("python3",)),
    "rust": Language("rust", ("cargo",), build=("cargo", "build", "--offline", "-q"), artifacts=("target/debug/hostile",),
                     run=("target/debug/hostile",)),
    "go": Language("go", ("go",), build=("go", "build", "-o", "bin/hostile", "."), artifacts=("bin/hostile",),
                   run=("bin/hostile",), env={"CGO_ENABLED": "0", "GOTOOLCHAIN": "local"},
                   caches={"GOCACHE": "go-build"}),
    "typescript": Language("typescript", ("tsc", "node"), build=("tsc", "-p", "."),
                           artifacts=tuple(f"dist/{c}.js" for c in ("main", *CASES) if c != "ok"),
                           run=("node", "dist/main.js")),
}
