"""Gauntlet hooks for Go: modules (go.mod) and workspaces (go.work); language name "go"."""

from __future__ import annotations

from pathlib import Path

from gauntlet_go import build as build_step
from gauntlet_go import image, runner
from gauntlet_go import lint as lint_step
from gauntlet_go import mutate as mutate_step
from harness import hookimpl
from harness.language import LanguageInfo
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
