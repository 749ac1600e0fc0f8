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
    try:
        backend = get_backend(options.backend, **({"base_image": options.base_image} if options.base_image else {}))
        image = None if options.backend == "local" else hooks.gauntlet_image(language=language)
        session = backend.open(ws, language=language, image=image, limits=Limits(timeout=options.timeout),
                               network=options.network)
    except (SandboxError, OSError) as e:
        outcome.infra_error = f"cannot open a {options.backend} sandbox: {e}"
        outcome.duration = time.monotonic() - start
        return outcome
    outcome.protections = dict(session.protections)
    try:
        run_steps(session, outcome, options, pm)
    except SandboxError as e:
        outcome.infra_error = f"sandbox failed: {e}"
    finally:
        session.close()
        outcome.duration = time.monotonic() - start
    return outcome


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
