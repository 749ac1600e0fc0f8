"""stdin/stdout problems answered in another language than Python (Rust, Go, TypeScript ...):
compile once per solution in a sandbox session of that language, then run the program on every test
case (stop at the first failure), compared with LiveCodeBench's checker (``lcb_checker.compare_stdio``).

How to build and run a solution is the language plugin's answer to ``gauntlet_solution_recipe``;
the session comes from the sandbox backend with the language set, so the plugin's image and caches
apply.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness.benchmarks import lcb_checker
from harness.errors import InfraError
from harness.language import SolutionRecipe
from harness.sandbox.base import Limits


class MultiLangError(InfraError):
    """The language cannot run here (no plugin, no toolchain): an infrastructure problem."""


def recipe(language: str, pm=None) -> SolutionRecipe | None:
    """The language plugin's recipe, or None when no installed plugin has one."""
    from harness.plugins import UnknownLanguage, get_plugin_manager

    pm = pm or get_plugin_manager()
    try:
        return pm.for_language(language).gauntlet_solution_recipe(language=language)
    except UnknownLanguage:
        return None


def available(language: str, on_host: bool = True) -> str | None:
    """None when ``language`` can run here, else why not; ``on_host=False`` (Docker) does not need
    the toolchain on this machine."""
    from harness.plugins import get_plugin_manager

    pm = get_plugin_manager()
    if language not in pm.languages():
        return f"the {language} plugin is not installed (pip install -e plugins/{language})"
    found = recipe(language, pm)
    if found is None:
        known = sorted(name for name in pm.languages() if pm.implements("gauntlet_solution_recipe", name))
        return f"no recipe for {language!r} (known: {', '.join(known)})"
    if on_host and not shutil.which(found.tool):
        return f"{found.tool} is not on PATH"
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
    how = recipe(language)
    compare = lcb_checker.compare_stdio_legacy if checker == "legacy" else lcb_checker.compare_stdio
    results: list = []
    with tempfile.TemporaryDirectory(prefix="gauntlet-multilang-") as d:
        for rel, text in how.files.items():
            p = Path(d) / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text.replace("{code}", code))
        with (backend or LocalBackend()).open(d, language=language, image=image, limits=Limits(timeout=build_timeout)) as session:
            b = session.exec(how.build, timeout=build_timeout, env=how.env)
            if not b.ok:
                return {"passed": False, "verdict": "compile_error", "error_code": -4, "results": [-4],
                        "error_message": "Compilation Error", "error": lcb_checker.truncate(b.stderr or b.stdout, 2000)}
            for i, (inp, want) in enumerate(zip(inputs, outputs, strict=True)):
                r = session.exec(how.run, timeout=timeout, stdin=inp, env=how.env)
                base = {"failed_test": i, "input": lcb_checker.truncate(inp, 1000), "expected": lcb_checker.truncate(want, 1000)}
                if r.timed_out:
                    results.append(-3)
                    return {"passed": False, "verdict": "timeout", "error_code": -3, "results": results,
                            "error_message": "Time Limit Exceeded", **base}
                if r.exit_code != 0:
                    results.append(-4)
                    return {"passed": False, "verdict": "runtime_error", "error_code": -4, "results": results,
                            "error_message": "Runtime Error", "error": lcb_checker.truncate(r.stderr, 1000),
                            "limit": r.killed_by_limit, **base}
                ok, why = compare(r.stdout, want)
                if not ok:
                    results.append(-2)
                    return {"passed": False, "verdict": "wrong_answer", "error_code": -2, "results": results,
                            "error_message": why, "output": lcb_checker.truncate(r.stdout, 1000), **base}
                results.append(True)
    return {"passed": True, "verdict": "passed", "results": results}
