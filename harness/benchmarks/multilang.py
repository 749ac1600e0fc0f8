"""stdin/stdout problems answered in Rust, Go or TypeScript: compile once per solution in a sandbox
session of that language, then run the program on every test case (stop at the first failure),
compared with LiveCodeBench's checker (``grading.compare_stdio``).

The session comes from the sandbox backend (local here, docker later) with ``session.language``
set, so the language plugin's image and caches apply; the language must have an installed plugin.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.benchmarks import grading
from harness.errors import InfraError
from harness.sandbox.base import Limits


@dataclass(frozen=True)
class Recipe:
    files: dict[str, str]  # path -> content; "{code}" is the solution
    build: list[str]
    run: list[str]
    tool: str  # what must be on PATH
    env: dict[str, str] = field(default_factory=dict)


RECIPES = {
    "rust": Recipe(
        files={"Cargo.toml": '[package]\nname = "solution"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
               "src/main.rs": "{code}"},
        build=["cargo", "build", "--release", "--offline", "--quiet"],
        run=["target/release/solution"], tool="cargo"),
    "go": Recipe(
        files={"go.mod": "module solution\n\ngo 1.21\n", "main.go": "{code}"},
        build=["go", "build", "-o", "solution", "."], run=["./solution"], tool="go",
        env={"GOFLAGS": "-mod=mod", "GOPROXY": "off", "CGO_ENABLED": "0"}),
    "typescript": Recipe(
        # The few Node globals stdin/stdout programs use, declared here so that no @types/node
        # package (and no network) is needed to type-check a solution.
        files={"main.ts": "{code}", "node-shim.d.ts": "declare var require: any;\ndeclare var process: any;\n"
               "declare var module: any;\ndeclare var Buffer: any;\n"},
        build=["tsc", "--target", "es2022", "--module", "commonjs", "--skipLibCheck", "--outDir", "out",
               "main.ts", "node-shim.d.ts"],
        run=["node", "out/main.js"], tool="tsc"),
}


class MultiLangError(InfraError):
    """The language cannot run here (no plugin, no toolchain): an infrastructure problem."""


def available(language: str, on_host: bool = True) -> str | None:
    """None when ``language`` can run here, else why not; ``on_host=False`` (Docker) does not need
    the toolchain on this machine."""
    from harness.plugins import get_plugin_manager

    if language not in RECIPES:
        return f"no recipe for {language!r} (known: {', '.join(RECIPES)})"
    if not any(language in i.languages for i in get_plugin_manager().infos):
        return f"the {language} plugin is not installed (pip install -e plugins/{language})"
    if on_host and not shutil.which(RECIPES[language].tool):
        return f"{RECIPES[language].tool} is not on PATH"
    return None


def grade(language: str, code: str, inputs: list[str], outputs: list[str], timeout: float = 6.0,
          build_timeout: float = 300.0, backend=None, checker: str = "lcb") -> dict:
    """Compile ``code`` once, run it on each input; a result dict shaped like the executor's."""
    docker = backend is not None and backend.name == "docker"
    why = available(language, on_host=not docker)
    if why:
        raise MultiLangError(why)
    from harness.plugins import get_plugin_manager
    from harness.sandbox.local import LocalBackend

    image = get_plugin_manager().for_language(language).gauntlet_image(language=language) if docker else None
    recipe = RECIPES[language]
    compare = grading.compare_stdio_legacy if checker == "legacy" else grading.compare_stdio
    results: list = []
    with tempfile.TemporaryDirectory(prefix="gauntlet-multilang-") as d:
        for rel, text in recipe.files.items():
            p = Path(d) / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text.replace("{code}", code))
        with (backend or LocalBackend()).open(d, language=language, image=image, limits=Limits(timeout=build_timeout)) as session:
            b = session.exec(recipe.build, timeout=build_timeout, env=recipe.env)
            if not b.ok:
                return {"passed": False, "verdict": "compile_error", "error_code": -4, "results": [-4],
                        "error_message": "Compilation Error", "error": grading.truncate(b.stderr or b.stdout, 2000)}
            for i, (inp, want) in enumerate(zip(inputs, outputs, strict=True)):
                r = session.exec(recipe.run, timeout=timeout, stdin=inp, env=recipe.env)
                base = {"failed_test": i, "input": grading.truncate(inp, 1000), "expected": grading.truncate(want, 1000)}
                if r.timed_out:
                    results.append(-3)
                    return {"passed": False, "verdict": "timeout", "error_code": -3, "results": results,
                            "error_message": "Time Limit Exceeded", **base}
                if r.exit_code != 0:
                    results.append(-4)
                    return {"passed": False, "verdict": "runtime_error", "error_code": -4, "results": results,
                            "error_message": "Runtime Error", "error": grading.truncate(r.stderr, 1000),
                            "limit": r.killed_by_limit, **base}
                ok, why = compare(r.stdout, want)
                if not ok:
                    results.append(-2)
                    return {"passed": False, "verdict": "wrong_answer", "error_code": -2, "results": results,
                            "error_message": why, "output": grading.truncate(r.stdout, 1000), **base}
                results.append(True)
    return {"passed": True, "verdict": "passed", "results": results}
