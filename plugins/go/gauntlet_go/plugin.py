"""Gauntlet hooks for Go: modules (go.mod) and workspaces (go.work); language name "go"."""

from __future__ import annotations

import os
from pathlib import Path

from gauntlet_go import build as build_step
from gauntlet_go import image, related, runner
from gauntlet_go import lint as lint_step
from gauntlet_go import mutate as mutate_step
from harness import hookimpl
from harness.language import LanguageInfo, SolutionRecipe, Toolchain
from harness.outcome import BuildResult, Diagnostic, TestReport

LANGUAGE = "go"
MARKERS = ("go.mod", "go.work")


@hookimpl
def gauntlet_language():
    return LanguageInfo(LANGUAGE, suffixes=(".go",), markers=MARKERS)


@hookimpl
def gauntlet_detect(workspace):
    root = Path(workspace)
    if (root / "go.work").is_file():
        return 0.95
    manifest = root / "go.mod"
    if not manifest.is_file():
        return None
    try:
        text = manifest.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0.5
    return 0.95 if text.lstrip().startswith(("module", "//")) or "\nmodule " in text else 0.6


@hookimpl
def gauntlet_image(language):
    return image.image_spec()


def _has_module(session) -> bool:
    for marker in MARKERS:
        try:
            session.read_file(marker)
            return True
        except (FileNotFoundError, ValueError, OSError):
            continue
    return False


@hookimpl
def gauntlet_build(session):
    if not _has_module(session):
        return BuildResult(False, [Diagnostic("no go.mod or go.work at the workspace root", file="go.mod")])
    return build_step.build(session)


@hookimpl
def gauntlet_test(session, selection, fail_fast):
    if not _has_module(session):
        return TestReport(error="no go.mod or go.work at the workspace root")
    return runner.run_tests(session, selection, fail_fast)


@hookimpl
def gauntlet_lint(session):
    if not _has_module(session):
        return None
    return lint_step.lint(session)


@hookimpl
def gauntlet_mutate(workspace, options):
    return mutate_step.mutate(Path(workspace), options)


@hookimpl
def gauntlet_related_tests(workspace, file, stable):
    return related.related_tests(Path(workspace), file, stable)


@hookimpl
def gauntlet_solution_recipe(language):
    return SolutionRecipe(
        files={"go.mod": "module solution\n\ngo 1.21\n", "main.go": "{code}"},
        build=["go", "build", "-o", "solution", "."], run=["./solution"], tool="go",
        env={"GOFLAGS": "-mod=mod", "GOPROXY": "off", "CGO_ENABLED": "0"})


@hookimpl
def gauntlet_toolchain():
    """GOROOT, GOPATH (``~/go`` unless set) and the module cache, which a dependency step
    (``go mod download``) fills for the offline build after it."""
    home = Path.home()
    env = {} if "GOPATH" in os.environ or "GOMODCACHE" in os.environ else {"GOMODCACHE": str(home / "go" / "pkg" / "mod")}
    paths = (os.environ.get("GOROOT", ""), os.environ.get("GOPATH") or str(home / "go"), os.environ.get("GOMODCACHE", ""))
    return Toolchain(paths=tuple(p for p in paths if p), passenv=("GOROOT", "GOPATH", "GOPROXY", "GOFLAGS", "GOMODCACHE"),
                     env=env, caches=("GOMODCACHE", "GOPATH"))
