"""The build step: install dependencies, then ``tsc --noEmit`` (TypeScript) or ``node --check`` (JavaScript)."""

from __future__ import annotations

import json
import time

from gauntlet_typescript import deps, project, tsc
from gauntlet_typescript.runners import helper, list_files
from harness.outcome import BuildResult, Diagnostic
from harness.sandbox.base import SandboxError


def build(session, pkg: project.Package) -> BuildResult:
    start = time.monotonic()
    if pkg.manifest_error:
        return BuildResult(False, [Diagnostic(pkg.manifest_error, file="package.json")],
                           duration=time.monotonic() - start)
    install = deps.ensure_dependencies(session, pkg)
    log = f"[dependencies: {install.how}]\n{install.log}"
    if not install.ok:
        return BuildResult(False, install.diagnostics, log, time.monotonic() - start)
    ts_files = [] if pkg.has_tsconfig else list_files(session, project.TS_SUFFIXES)
    if pkg.has_tsconfig or ts_files:
        argv = tsc.command(session, pkg.has_tsconfig, ts_files)
        if argv is None:
            raise SandboxError("TypeScript's tsc is neither in node_modules nor on PATH: add typescript to "
                               "devDependencies or use the plugin's image")
        ok, diags, out = tsc.run(session, argv)
        return BuildResult(ok, diags, log + out, time.monotonic() - start)
    ok, diags, out = syntax_check(session)
    return BuildResult(ok, diags, log + out, time.monotonic() - start)


def syntax_check(session):
    """JavaScript-only packages: every .js/.mjs/.cjs file must parse (``node --check``)."""
    files = list_files(session, (".js", ".mjs", ".cjs"))
    if not files:
        return True, [], "no JavaScript files to check\n"
    res = session.exec(["node", "-", *files], stdin=helper("syntax_check.cjs"), timeout=session.limits.timeout)
    try:
        problems = json.loads(res.stdout)
    except json.JSONDecodeError:
        return False, [Diagnostic(f"syntax check failed to run: {res.output.strip()[-1500:]}")], res.output
    diags = [Diagnostic(p["message"], file=p["file"], line=p.get("line"), code="SyntaxError") for p in problems]
    return not diags, diags, f"node --check on {len(files)} files\n"
