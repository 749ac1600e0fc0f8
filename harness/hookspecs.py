"""The hook contract between Gauntlet and its language plugins (pluggy project "gauntlet").

This module is the documentation.  Every hook takes keyword arguments and a plugin implements only
the ones it can, with only the arguments it needs.

Dispatch: the hooks marked ``@per_language`` (image, dependencies, prepare, build, test, test_variants, lint,
mutate, related_tests, mutation_tools, solution_recipe) are called by the core on the plugins of one
language only, the ones whose ``gauntlet_language`` declares it
(``harness.plugins.PluginManager.for_language``); a plugin never asks "is this mine?" and never
returns None to pass a foreign language on.  A plugin that declares several languages reads which
one from the hook's arguments (``session.language``, ``language``, ``options.language``).  The
other hooks (language, detect, toolchain, reward) are called on every plugin.

Sessions: ``session`` is an open sandbox session (see ``harness.sandbox.base.Session``) with the
workspace copied in; ``session.language`` is the language the core opened it for
(``Backend.open(..., language=...)``).  Hooks run commands only through ``session.exec`` so the
same plugin code runs locally, in Docker or remotely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from harness.language import ImageSpec, LanguageInfo, SolutionRecipe, Toolchain
    from harness.mutation import MutateOptions, Mutation, MutationTool, Variant, VariantResult
    from harness.outcome import BuildResult, LintReport, Outcome, TestReport
    from harness.sandbox.base import Session

PROJECT = "gauntlet"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def per_language(spec):
    """Mark a hook that the core calls only on the plugins of one language (see the module's
    docstring); unmarked hooks are called on every plugin."""
    spec.gauntlet_per_language = True
    return spec


@hookspec
def gauntlet_language() -> LanguageInfo:
    """Declare the plugin's language.  Called on every plugin: the answers decide which plugins
    the per-language hooks of each language go to.

    :return: a ``LanguageInfo`` (name, file suffixes, marker files), or a list of them for a
        plugin of several languages.  Every language plugin implements this exactly once and never
        returns None; all answers are collected.
    """


@hookspec
def gauntlet_detect(workspace: Path) -> float | None:
    """How sure is the plugin that ``workspace`` (a host directory, read-only) is its language?

    Used when the user names no language; called on every plugin.  Read marker files only; run
    nothing.

    :param workspace: the project directory on the host.
    :return: a confidence in 0..1, or None (same as 0) when the plugin sees nothing of its own.
        All answers are collected; the highest wins, ties go to the first registered plugin.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_image(language: str) -> ImageSpec | None:
    """The Docker image the language's code runs in.  Called on the language's plugin only.

    :param language: the language name (one of the plugin's own).
    :return: an ``ImageSpec`` (Dockerfile text with ``ARG BASE_IMAGE``, default base image, tool
        versions), or None when the plugin has no image.  First answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_dependencies(workspace: Path) -> str | None:
    """What the project's third-party dependencies are, as a key of their declaration's content
    (manifest and lock file: package.json and package-lock.json, say).  Optional: implemented by a
    language whose dependencies ``gauntlet_prepare`` fetches before the model's patch.  Called on
    the unpatched project on the host; read files only, run nothing.

    The core names the persistent caches (``session.cache_dir``) of the preparation session and of
    the evaluation session after this key, not after the workspace's path, so fresh copies of one
    project at other paths (users, RL rollouts) share what was fetched.

    :param workspace: the project directory on the host (before the patch).
    :return: the key (a short hex digest), or None when there is nothing to prepare (the caches then
        stay per workspace).  First answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_prepare(session: Session) -> None:
    """Fetch the unpatched project's dependencies into the session's persistent caches.  Optional.

    Called in a session *with* network, on the project before the model's patch is applied, so a
    manifest the patch edits never runs install scripts with network; only when
    ``gauntlet_dependencies`` gave a key, and not with ``--offline`` or ``--network``.  The
    evaluation session that follows shares the caches and has no network.

    :param session: an open session of the plugin's language, with network, on the unpatched project.
    :return: None always: the effect is the filled caches.
    :raises SandboxError: the registry could not be reached (an infrastructure error, no reward).
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_build(session: Session) -> BuildResult | None:
    """Compile, type-check or syntax-check the workspace in ``session``.  Called on the plugin of
    ``session.language`` only.

    :param session: an open sandbox session of the plugin's language.
    :return: a ``BuildResult`` (ok, diagnostics with file / line / message / severity), or None
        when the language has nothing to build (the core then goes on to the tests).  First answer
        wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_test(session: Session, selection: list[str] | None, fail_fast: bool) -> TestReport | None:
    """Run the workspace's tests and report each one by id.  Called on the plugin of
    ``session.language`` only.

    Statuses come from the runner's machine-readable output (JUnit XML, JSON events), never from
    guessing at prose when a structured format exists.  A runner that hangs is stopped by the
    timeout and reported with ``timed_out``; a runner that cannot start sets ``error``.

    :param session: an open sandbox session of the plugin's language.
    :param selection: test ids to run (in the plugin's id style), or None for the whole suite.
    :param fail_fast: the core passes True around a mutant's kill check: a runner that can (pytest
        ``-x``, ``go test -failfast``, vitest / jest bail) stops at the first failing test.  Only a
        hint: a plugin that does not take this argument runs every selected test.
    :return: a ``TestReport``, or None when the plugin does not run tests.  First answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_test_variants(session: Session, variants: list[Variant]) -> list[VariantResult] | None:
    """Build and test several variants of the workspace in one go, each a file's new text with a
    test selection, restoring the workspace after each.  Optional: a speed-up for task generation.

    Validating a mutant is one small edit followed by a build and a test run, thousands of times; a
    runner that starts once and forks per variant (as mutmut does) skips most of each run's start-up,
    and a compiled language can build the whole batch once, each variant switched on at run time
    (mutant schemata, as the Rust plugin does).
    Verdicts stay the core's: the plugin only reports what happened, as ``gauntlet_build`` and
    ``gauntlet_test`` would have for that variant.  A plugin that knows which tests can reach a
    change (the clean run's call coverage) may run only those and list the other selected tests in
    ``VariantResult.unaffected``; the core counts them as keeping their clean outcome.

    Called on the plugin of ``session.language`` only.

    :param session: an open sandbox session of the plugin's language.
    :param variants: ``Variant`` (file, text, selection, fail_fast) in order.
    :return: one ``VariantResult`` (build, tests) per variant, in order (fewer when the runner
        stopped early), or None when the plugin cannot batch these.  The core calls
        ``gauntlet_build`` and ``gauntlet_test`` for every variant left without a result.  First
        answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_lint(session: Session) -> LintReport | None:
    """Lint the workspace (ruff, clippy, eslint, go vet ...), keeping warnings apart from errors.
    Called on the plugin of ``session.language`` only.

    :param session: an open sandbox session of the plugin's language.
    :return: a ``LintReport``, or None when the plugin has no linter for this workspace.  First
        answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_mutate(workspace: Path, options: MutateOptions) -> list[Mutation] | None:
    """Propose candidate bugs for the source files of ``workspace`` (never in test files).

    Candidates only: whether a test catches a bug is decided by the core, not the plugin.  The
    order is deterministic for a given ``options.seed``.  Called on the plugin of
    ``options.language`` only.

    :param workspace: the project directory on the host (read it, do not change it).
    :param options: ``MutateOptions`` (language, seed, max_candidates, operators, files).
    :return: a list of ``Mutation`` (operator, file, line, span, original, replacement, unified
        diff), or None when the plugin proposes none.  First answer wins.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_related_tests(workspace: Path, language: str, file: str, stable: list[str]) -> list[str] | None:
    """Which of ``stable`` can exercise ``file``: task generation's kill check runs those first.
    Optional.

    Most candidate bugs survive, and a survivor costs a whole suite run; running first only the
    tests that can see the mutated file makes a survivor cheap.  Read the clean tree (never run
    anything) and over-approximate: a test that might reach the file counts.  A test the answer
    leaves out must not be able to fail because of a change to ``file``.  Called on the plugin of
    ``language`` only.

    :param workspace: the clean project directory on the host (read it, do not change it).
    :param language: the language name (one of the plugin's own).
    :param file: the mutated file, relative to ``workspace``.
    :param stable: the ids of the tests that pass on the clean tree.
    :return: the chosen ids (a sublist of ``stable``), or None when the plugin cannot tell (the
        whole suite runs).  First answer wins.
    """


@per_language
@hookspec
def gauntlet_mutation_tools(language: str) -> list[MutationTool] | None:
    """The language's own mutation tools (cargo-mutants, mutmut) that task generation may take
    candidate bugs from (``gauntlet tasks generate --source NAME``) beside ``gauntlet_mutate``.
    Optional.  Called on the plugin of ``language`` only.

    :param language: the language name (one of the plugin's own).
    :return: ``MutationTool`` records (name, install command, whether it is installed, how to list
        its candidates as ``Mutation`` records), or None.  All answers are collected.
    """


@per_language
@hookspec(firstresult=True)
def gauntlet_solution_recipe(language: str) -> SolutionRecipe | None:
    """How to build and run a stand-alone stdin/stdout program of the language (the solutions of
    LiveCodeBench-style problems, ``harness.benchmarks.multilang``).  Optional.  Called on the
    plugin of ``language`` only.

    :param language: the language name (one of the plugin's own).
    :return: a ``SolutionRecipe`` (files with ``{code}`` for the solution, build and run commands,
        the tool that must be on PATH, extra environment), or None when the language has none.
        First answer wins.
    """


@hookspec
def gauntlet_toolchain() -> Toolchain | None:
    """What of the host the plugin's toolchain needs inside a local (jailed) session: directories
    to show read-only (rustup and cargo homes, Go's module cache), variables to pass in or to
    default, and which of them name download caches that a session with the network may fill.
    Optional.  Called on every plugin: every local session sees every installed toolchain.

    Declare only what lives outside the system directories (``/usr``, ``/opt`` ...), which the
    jail always shows, and never a directory that holds secrets.

    :return: a ``Toolchain``, or None when the toolchain needs nothing beyond the system
        directories.  All answers are collected.
    """


@hookspec(firstresult=True)
def gauntlet_reward(outcome: Outcome, context: dict[str, Any]) -> Any:
    """Turn an outcome into a reward, overriding the default table.  Called on every plugin (the
    language, if any, is in ``context``).

    :param outcome: the ``Outcome`` of an evaluation.
    :param context: free-form information about the task (language, task kind, completion ...).
    :return: a float, a ``harness.rewards.Reward`` (value with breakdown), or None to let the next
        plugin, and finally the built-in default table, answer.  First answer wins.
    """
