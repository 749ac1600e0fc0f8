"""Lint: eslint (``-f json``) when the project configures it, plus tsc's linter-like checks.

tsc strictness warnings are the diagnostics that appear only with ``tsc.STRICTNESS_FLAGS`` on: they
are reported as warnings and never mixed with the project's own type errors (the build step's).
"""

from __future__ import annotations

import json

from gauntlet_typescript import project, tsc
from gauntlet_typescript.reports import relative
from gauntlet_typescript.runners import list_files
from harness.outcome import Diagnostic, LintReport


def lint(session, pkg: project.Package) -> LintReport:
    report = LintReport(tool="")
    tools, logs, errors = [], [], []
    if pkg.eslint_config:
        tools.append("eslint")
        diags, log, error = eslint(session, pkg)
        report.diagnostics += diags
        logs.append(log)
        if error:
            errors.append(error)
    ts_files = [] if pkg.has_tsconfig else list_files(session, project.TS_SUFFIXES)
    if pkg.has_tsconfig or ts_files:
        tools.append("tsc")
        diags, log, error = tsc_warnings(session, pkg, ts_files)
        report.diagnostics += diags
        logs.append(log)
        if error:
            errors.append(error)
    report.tool = "+".join(tools) or "none"
    report.log = "\n".join(logs) or "no linter configured (no eslint config, no TypeScript)"
    report.error = "; ".join(errors) or None
    return report


def eslint(session, pkg: project.Package):
    probe = session.exec(["test", "-x", "node_modules/.bin/eslint"], timeout=30)
    if probe.exit_code != 0:
        return [], "", "eslint is configured but not installed in node_modules"
    env = {"NO_COLOR": "1"}
    if pkg.eslint_config == "legacy":
        env["ESLINT_USE_FLAT_CONFIG"] = "false"  # eslint 9 reads .eslintrc only when told to
    res = session.exec(["node_modules/.bin/eslint", "-f", "json", "."], env=env, timeout=session.limits.timeout)
    try:
        files = json.loads(res.stdout)
    except json.JSONDecodeError:
        return [], res.output, f"eslint failed (exit {res.exit_code}): {res.stderr.strip()[-1000:]}"
    diags = []
    for f in files:
        path = relative(f.get("filePath", "?"), session.workdir)
        for m in f.get("messages") or []:
            diags.append(Diagnostic(
                m.get("message", ""), file=path, line=m.get("line"), column=m.get("column"),
                severity="error" if m.get("severity") == 2 else "warning",
                code=m.get("ruleId") or ("parse-error" if m.get("fatal") else None),
            ))
    return diags, res.stderr, None


def _key(d: Diagnostic):
    return (d.file, d.line, d.column, d.code)


def tsc_warnings(session, pkg: project.Package, ts_files: list[str]):
    argv = tsc.command(session, pkg.has_tsconfig, ts_files, tsc.STRICTNESS_FLAGS)
    if argv is None:
        return [], "", "tsc is not installed"
    _, strict, log = tsc.run(session, argv)
    strict = [d for d in strict if d.code]
    if not strict:
        return [], log, None
    # Only what the extra flags add: the project's own errors belong to the build step.
    _, base, _ = tsc.run(session, tsc.command(session, pkg.has_tsconfig, ts_files))
    known = {_key(d) for d in base}
    out = [d for d in strict if _key(d) not in known]
    for d in out:
        d.severity = "warning"
    return out, log, None
