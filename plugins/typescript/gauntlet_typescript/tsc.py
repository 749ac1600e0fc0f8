"""Type-checking with the project's own ``tsc`` and reading its diagnostics.

tsc has no JSON output; ``--pretty false`` is its stable machine format, one diagnostic per line:
``src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.`` with chained
explanations on indented lines below it, and project-wide errors as ``error TS5023: ...``.
"""

from __future__ import annotations

import re

from harness.outcome import Diagnostic

# Checks that the TypeScript handbook itself calls "linter-like": reported as lint warnings,
# never as build errors (they do not change what the program means).
STRICTNESS_FLAGS = ["--noUnusedLocals", "--noUnusedParameters", "--noImplicitReturns", "--noFallthroughCasesInSwitch"]

_LOCATED = re.compile(r"^(?P<file>.+?)\((?P<line>\d+),(?P<col>\d+)\): (?P<sev>error|warning|message) (?P<code>TS\d+): (?P<msg>.*)$")
_GLOBAL = re.compile(r"^(?P<sev>error|warning|message) (?P<code>TS\d+): (?P<msg>.*)$")


def parse(output: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for line in output.splitlines():
        m = _LOCATED.match(line)
        if m:
            out.append(Diagnostic(m["msg"], file=m["file"].replace("\\", "/"), line=int(m["line"]),
                                  column=int(m["col"]), severity=_severity(m["sev"]), code=m["code"]))
            continue
        m = _GLOBAL.match(line)
        if m:
            out.append(Diagnostic(m["msg"], severity=_severity(m["sev"]), code=m["code"]))
        elif out and line.startswith(" ") and line.strip():
            out[-1].message += "\n" + line.strip()
    return out


def _severity(word: str) -> str:
    return {"message": "info"}.get(word, word)


def command(session, has_tsconfig: bool, ts_files: list[str], extra: list[str] = ()) -> list[str] | None:
    """The tsc argv: the project's own compiler, else one on PATH (the image installs typescript@5)."""
    probe = session.exec(["test", "-x", "node_modules/.bin/tsc"], timeout=30)
    if probe.exit_code == 0:
        tsc = ["node_modules/.bin/tsc"]
    elif session.exec(["sh", "-c", "command -v tsc"], timeout=30).exit_code == 0:
        tsc = ["tsc"]
    else:
        return None
    if has_tsconfig:
        return [*tsc, "--noEmit", "-p", ".", "--pretty", "false", *extra]
    # No tsconfig: check the sources with modern defaults (tsc -p needs a tsconfig).
    return [*tsc, "--noEmit", "--pretty", "false", "--skipLibCheck", "--target", "es2022", "--module", "nodenext",
            "--moduleResolution", "nodenext", *extra, *ts_files]


def run(session, argv: list[str]):
    """Run tsc; return (ok, diagnostics, log).  ok is tsc's exit code 0."""
    res = session.exec(argv, timeout=session.limits.timeout, env={"NO_COLOR": "1"})
    diags = parse(res.stdout + "\n" + res.stderr)
    ok = res.exit_code == 0
    if not ok and not any(d.severity == "error" for d in diags):
        tail = (res.stderr or res.stdout).strip()[-1500:] or f"tsc exited with {res.exit_code}"
        diags.append(Diagnostic(("tsc timed out: " if res.timed_out else "tsc failed: ") + tail))
    return ok, diags, res.output
