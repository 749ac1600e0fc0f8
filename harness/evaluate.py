"""One evaluation: workspace (+ patch) -> sandbox -> build -> tests -> lint -> Outcome.

The core knows no language: every step is a hook that the core calls on the plugin of the resolved
language only (``PluginManager.for_language``).
Failures of the harness (no backend, sandbox crash) become ``infra_error``; failures of the code
(patch does not apply, build fails, tests fail) become the matching parts of the Outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError  # bad input from the user; also importable from here, as before
from harness.outcome import Outcome, TestReport
from harness.plugins import PluginManager, get_plugin_manager
from harness.sandbox import Limits, SandboxError, get_backend


@dataclass
class CheckOptions:
    language: str | None = None
    backend: str = "local"
    patch: str | None = None  # unified diff text
    selection: list[str] | None = None
    lint: bool = True
    timeout: float = 600.0
    network: bool = False
    offline: bool = False  # no dependency step before the patch: evaluate from the caches alone
    base_image: str | None = None  # docker: the base the language image is built on (default: the plugin's)


def resolve_language(workspace: Path, language: str | None, pm: PluginManager) -> str:
    known = pm.languages()
    if language:
        if language not in known:
            have = ", ".join(sorted(known)) or "none installed"
            raise UsageError(f"no plugin for language {language!r} (installed: {have})")
        return language
    found = pm.detect(workspace)
    if found is None:
        have = ", ".join(sorted(known)) or "none installed"
        raise UsageError(f"no installed plugin recognises {workspace} (languages: {have}); pass --language")
    return found


def check(workspace: str | Path, options: CheckOptions | None = None, pm: PluginManager | None = None) -> Outcome:
    """Evaluate ``workspace`` with ``options``; raises ``UsageError`` for bad input only."""
    options = options or CheckOptions()
    pm = pm or get_plugin_manager()
    ws = Path(workspace)
    if not ws.exists():
        raise UsageError(f"workspace does not exist: {ws}")
    if not ws.is_dir():
        raise UsageError(f"workspace is not a directory: {ws}")
    language = resolve_language(ws, options.language, pm)
    hooks = pm.for_language(language)
    outcome = Outcome(language=language, backend=options.backend, workspace=str(ws))
    start = time.monotonic()
    failed = f"cannot open a {options.backend} sandbox"
    try:
        backend = get_backend(options.backend, **({"base_image": options.base_image} if options.base_image else {}))
        image = None if options.backend == "local" else hooks.gauntlet_image(language=language)
        failed = "cannot prepare the project's dependencies"
        cache_key = prepare_dependencies(ws, language, backend, image=image, timeout=options.timeout,
                                         fetch=not (options.offline or options.network), pm=pm)
        failed = f"cannot open a {options.backend} sandbox"
        session = backend.open(ws, language=language, image=image, limits=Limits(timeout=options.timeout),
                               network=options.network, cache_key=cache_key)
    except (SandboxError, OSError) as e:
        outcome.infra_error = f"{failed}: {e}"
        outcome.duration = time.monotonic() - start
        return outcome
    outcome.protections = dict(session.protections)
    if cache_key is not None:  # the plugin's dependency step: where what the code ran with came from
        outcome.protections["dependencies"] = ("from the cache only (--offline)" if options.offline else
                                               "in the session (--network)" if options.network else
                                               "fetched for the unpatched project, with network, before the patch")
    try:
        run_steps(session, outcome, options, pm)
    except SandboxError as e:
        outcome.infra_error = f"sandbox failed: {e}"
    finally:
        session.close()
        outcome.duration = time.monotonic() - start
    return outcome


def prepare_dependencies(workspace: Path, language: str, backend, *, image=None, timeout: float = 600.0,
                         fetch: bool = True, pm: PluginManager | None = None) -> str | None:
    """The dependency step before the patch, for plugins that implement ``gauntlet_dependencies``.

    Returns the cache key that the evaluation session must use (the dependencies' content key, so
    copies of the project at other paths share the caches), or None (per-workspace caches).  With
    ``fetch``, a session with network on the unpatched project runs ``gauntlet_prepare`` first; the
    patch is applied later, in the evaluation session, which has no network.  Raises
    ``SandboxError`` when the preparation cannot reach what it needs.
    """
    hooks = (pm or get_plugin_manager()).for_language(language)
    if not hooks.implements("gauntlet_dependencies"):
        return None
    key = hooks.gauntlet_dependencies(workspace=Path(workspace))
    if key is None:
        return None
    cache_key = f"{language}-deps-{key}"
    if fetch and hooks.implements("gauntlet_prepare"):
        prep = backend.open(workspace, language=language, image=image, limits=Limits(timeout=timeout), network=True,
                            cache_key=cache_key)
        try:
            hooks.gauntlet_prepare(session=prep)
        finally:
            prep.close()
    return cache_key


def run_steps(session, outcome: Outcome, options: CheckOptions, pm: PluginManager) -> None:
    """Patch, build, test and lint in an open session, filling ``outcome`` as far as it gets; the
    hooks go to the plugin of ``session.language``."""
    hooks = pm.for_language(session.language)
    if options.patch is not None:
        result = session.apply_patch(options.patch)
        outcome.patch_applied = result.applied
        if not result.applied:
            outcome.patch_error = result.message
            return
    outcome.build = hooks.gauntlet_build(session=session)
    if outcome.build is not None and not outcome.build.ok:
        return
    outcome.tests = hooks.gauntlet_test(session=session, selection=options.selection, fail_fast=False)
    if outcome.tests is None:
        outcome.tests = TestReport(error=f"the {outcome.language} plugin does not run tests")
    if options.lint:
        outcome.lint = hooks.gauntlet_lint(session=session)
