"""Hook implementations for Python projects.  Every hook answers only for language "python"."""

from __future__ import annotations

import json
from pathlib import Path

from harness import hookimpl
from harness.language import ImageSpec, LanguageInfo
from harness.outcome import BuildResult, Diagnostic, LintReport, TestReport
from gauntlet_python import image, junit, ruff
from gauntlet_python.mutate import mutations

NAME = "python"
MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
REPORT = ".gauntlet-junit.xml"
# Byte-compiles every file in the sandbox and prints the syntax errors as JSON; compile() alone,
# so nothing is written next to the sources.
COMPILE_ALL = r"""
import json, os, sys
skip = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox", ".nox"}
errors = []
for root, dirs, files in os.walk("."):
    dirs[:] = sorted(d for d in dirs if d not in skip and not d.endswith(".egg-info"))
    for f in sorted(files):
        if f.endswith(".py"):
            path = os.path.join(root, f)[2:]
            try:
                with open(path, "rb") as fh:
                    compile(fh.read(), path, "exec", dont_inherit=True)
            except SyntaxError as e:
                errors.append({"file": path, "line": e.lineno, "column": e.offset, "message": e.msg})
            except ValueError as e:
                errors.append({"file": path, "line": None, "column": None, "message": str(e)})
print(json.dumps(errors))
"""


def _mine(session) -> bool:
    return getattr(session, "language", None) == NAME


def _env(session) -> dict[str, str]:
    """Make both flat and src/ layouts importable without installing the project."""
    return {"PYTHONPATH": "src:.", "PYTHONDONTWRITEBYTECODE": "1"}


@hookimpl
def gauntlet_language():
    return LanguageInfo(name=NAME, suffixes=(".py",), markers=MARKERS)


@hookimpl
def gauntlet_detect(workspace):
    ws = Path(workspace)
    if any((ws / m).is_file() for m in MARKERS):
        return 1.0
    if any(ws.glob("*.py")) or any(ws.glob("src/*.py")) or any(ws.glob("*/__init__.py")):
        return 0.5
    return None


@hookimpl
def gauntlet_image(language):
    return image.spec() if language == NAME else None


@hookimpl
def gauntlet_build(session):
    if not _mine(session):
        return None
    r = session.exec(["python3", "-c", COMPILE_ALL], env=_env(session), timeout=min(session.limits.timeout, 300))
    if r.exit_code != 0 or r.timed_out:
        return BuildResult(ok=False, log=r.output, duration=r.duration,
                           diagnostics=[Diagnostic(f"byte-compilation did not run: {r.stderr.strip()[-300:]}")])
    errors = json.loads(r.stdout or "[]")
    diags = [Diagnostic(e["message"], e["file"], e["line"], e["column"], "error", "SyntaxError") for e in errors]
    return BuildResult(ok=not diags, diagnostics=diags, log=r.output, duration=r.duration)


@hookimpl
def gauntlet_test(session, selection):
    if not _mine(session):
        return None
    argv = ["python3", "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", f"--junitxml={REPORT}",
            "-o", "junit_family=xunit1", *(selection or [])]
    session.exec(["rm", "-f", REPORT])
    r = session.exec(argv, env=_env(session))
    report = TestReport(log=r.output, exit_code=r.exit_code, timed_out=r.timed_out, duration=r.duration)
    try:
        xml = session.read_file(REPORT)
    except FileNotFoundError:
        xml = None
    finally:
        session.exec(["rm", "-f", REPORT])
    if xml:
        report.tests = junit.parse(xml)
    if r.timed_out:
        report.error = f"the test suite did not finish within {session.limits.timeout:g}s and was killed"
    elif r.killed_by_limit:
        report.error = f"the test run was stopped by the sandbox's {r.killed_by_limit} limit"
    elif r.exit_code == 5 or (xml and not report.tests and r.exit_code == 0):
        report.error = "no tests collected"
    elif not report.tests and r.exit_code != 0:
        report.error = f"pytest exited with code {r.exit_code}: {r.output.strip()[-500:]}"
    return report


@hookimpl
def gauntlet_lint(session):
    if not _mine(session):
        return None
    argv = ["ruff", "check", "--output-format=json", "--exit-zero", "--no-cache", "."]
    r = session.exec(argv)
    if r.exit_code == 127:
        r = session.exec(["python3", "-m", "ruff", *argv[1:]])
    if r.exit_code != 0:
        return LintReport(tool="ruff", log=r.output, error=f"ruff did not run: {r.output.strip()[-300:]}")
    return LintReport(tool="ruff", log=r.stderr, diagnostics=ruff.parse(r.stdout, session.workdir))


@hookimpl
def gauntlet_mutate(workspace, options):
    if options.language not in (None, NAME):
        return None
    return mutations(Path(workspace), options)
