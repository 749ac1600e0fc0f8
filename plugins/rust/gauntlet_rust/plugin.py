"""Gauntlet hooks for Rust: Cargo packages and workspaces (language name "rust")."""

from __future__ import annotations

import os
from pathlib import Path

from gauntlet_rust import build as build_step
from gauntlet_rust import image, mutants, runner, schemata
from gauntlet_rust import lint as lint_step
from gauntlet_rust import mutate as mutate_step
from harness import hookimpl, settings
from harness.language import LanguageInfo, SolutionRecipe, Toolchain
from harness.outcome import BuildResult, Diagnostic, TestReport

LANGUAGE = "rust"


@hookimpl
def gauntlet_language():
    return LanguageInfo(LANGUAGE, suffixes=(".rs",), markers=("Cargo.toml",))


@hookimpl
def gauntlet_detect(workspace):
    manifest = Path(workspace) / "Cargo.toml"
    if not manifest.is_file():
        return None
    try:
        text = manifest.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0.5
    return 0.95 if "[package]" in text or "[workspace]" in text else 0.6


@hookimpl
def gauntlet_image(language):
    return image.image_spec()


def _has_manifest(session) -> bool:
    try:
        session.read_file("Cargo.toml")
        return True
    except (FileNotFoundError, ValueError, OSError):
        return False


@hookimpl
def gauntlet_build(session):
    if not _has_manifest(session):
        return BuildResult(False, [Diagnostic("no Cargo.toml at the workspace root", file="Cargo.toml")])
    return build_step.build(session)


@hookimpl
def gauntlet_test(session, selection):
    if not _has_manifest(session):
        return TestReport(error="no Cargo.toml at the workspace root")
    return runner.run_tests(session, selection)


@hookimpl
def gauntlet_lint(session):
    if not _has_manifest(session):
        return None
    return lint_step.lint(session)


@hookimpl
def gauntlet_mutate(workspace, options):
    return mutate_step.mutate(Path(workspace), options)


@hookimpl
def gauntlet_test_variants(session, variants):
    """Mutant schemata (``schemata``): one build for a batch of variants; ``GAUNTLET_RUST_SCHEMATA=0``
    turns it off, and each variant is then built on its own by the core."""
    if not _has_manifest(session) or not settings.rust_schemata():
        return None
    return schemata.test_variants(session, variants)


@hookimpl
def gauntlet_mutation_tools(language):
    return [mutants.TOOL]


@hookimpl
def gauntlet_solution_recipe(language):
    return SolutionRecipe(
        files={"Cargo.toml": '[package]\nname = "solution"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
               "src/main.rs": "{code}"},
        build=["cargo", "build", "--release", "--offline", "--quiet"],
        run=["target/release/solution"], tool="cargo")


@hookimpl
def gauntlet_toolchain():
    """rustup and cargo homes (``~/.rustup``, ``~/.cargo`` unless set); cargo's registry cache is
    filled by a dependency step (``cargo fetch``) for the offline build after it."""
    home = Path.home()
    env = {var: str(home / name) for var, name in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo"))
           if var not in os.environ and (home / name).is_dir()}
    paths = (os.environ.get("RUSTUP_HOME") or str(home / ".rustup"), os.environ.get("CARGO_HOME") or str(home / ".cargo"))
    return Toolchain(paths=paths, passenv=("RUSTUP_HOME", "CARGO_HOME"), env=env, caches=("CARGO_HOME",))
