"""Hook implementations for Python projects (language name "python"); the core calls the
per-language hooks here only for Python sessions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from gauntlet_python import image, junit, mutmut_tool, related, ruff
from gauntlet_python.mutate import mutations
from harness import hookimpl, settings
from harness.language import LanguageInfo, Toolchain
from harness.mutation import VariantResult
from harness.outcome import BuildResult, Diagnostic, LintReport, TestReport
from harness.sandbox import SandboxError

LANGUAGE = "python"
MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
REPORT = ".gauntlet-junit.xml"
VARIANT_REPORT, VARIANT_RESULTS, VARIANT_LOG = ".gauntlet-variant.xml", ".gauntlet-variants.jsonl", ".gauntlet-variant.log"
RUNNER = "\n".join((Path(__file__).parent / name).read_text() for name in ("warm_variants.py", "variant_runner.py"))
# Byte-compiles every file in the sandbox and prints the syntax errors as JSON; compile() alone,
# so nothing is written next to the sources.  A file whose committed version (git HEAD) fails to
# compile too is marked "preexisting": projects keep deliberately broken files as test data
# (pylint, parso, ...), and those must not fail every patch.
COMPILE_ALL = r"""
import json, os, subprocess
skip = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox", ".nox", ".eggs"}

def error_of(source, path):
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        return {"file": path, "line": e.lineno, "column": e.offset, "message": e.msg}
    except ValueError as e:  # null bytes, bad encoding declaration
        return {"file": path, "line": None, "column": None, "message": str(e)}

def in_head(path):
    try:
        r = subprocess.run(["git", "-c", "safe.directory=*", "show", "HEAD:" + path], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout if r.returncode == 0 else None

errors = []
for root, dirs, files in os.walk("."):
    dirs[:] = sorted(d for d in dirs if d not in skip and not d.endswith(".egg-info"))
    for f in sorted(files):
        if f.endswith(".py"):
            path = os.path.join(root, f)[2:]
            with open(path, "rb") as fh:
                error = error_of(fh.read(), path)
            if error:
                errors.append(error)
if errors and os.path.exists(".git"):
    for error in errors:
        before = in_head(error["file"])
        error["preexisting"] = before is not None and error_of(before, error["file"]) is not None
print(json.dumps(errors))
"""


def _env(session) -> dict[str, str]:
    """Make both flat and src/ layouts importable without installing the project."""
    return {"PYTHONPATH": "src:.", "PYTHONDONTWRITEBYTECODE": "1"}


@hookimpl
def gauntlet_language():
    return LanguageInfo(name=LANGUAGE, suffixes=(".py",), markers=MARKERS)


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
    return image.image_spec()


@hookimpl
def gauntlet_build(session):
    # -I: a workspace file named json.py or subprocess.py must not shadow the script's imports.
    r = session.exec(["python3", "-I", "-c", COMPILE_ALL], timeout=min(session.limits.timeout, 300))
    if r.exit_code == 127:  # the sandbox has no interpreter: not the code's fault
        raise SandboxError(f"python3 is not available in the sandbox: {r.stderr.strip()[-300:]}")
    try:
        errors = json.loads(r.stdout) if r.exit_code == 0 and not r.timed_out else None
    except json.JSONDecodeError:
        errors = None
    if errors is None:
        why = "timed out" if r.timed_out else r.output.strip()[-300:]
        return BuildResult(ok=False, log=r.output, duration=r.duration,
                           diagnostics=[Diagnostic(f"byte-compilation did not run: {why}")])
    diags = [Diagnostic(("already in git HEAD: " if e.get("preexisting") else "") + e["message"], e["file"],
                        e["line"], e["column"], "warning" if e.get("preexisting") else "error", "SyntaxError")
             for e in errors]
    return BuildResult(ok=not any(d.severity == "error" for d in diags), diagnostics=diags, log=r.output,
                       duration=r.duration)


def _pytest_args(report: str, selection, fail_fast: bool) -> list[str]:
    # --rootdir=.: node ids relative to the workspace even when no config file pins the rootdir
    # (older pytest then takes the common ancestor of the selected paths).
    # --continue-on-collection-errors: a module that fails to import is reported as an error
    # entry while every other module still runs, so one broken file does not hide all results.
    return ["-q", "-rN", "-p", "no:cacheprovider", "--rootdir=.", "--continue-on-collection-errors",
            f"--junitxml={report}", "-o", "junit_family=xunit1", *(["-x"] if fail_fast else []), *(selection or [])]


@hookimpl
def gauntlet_test(session, selection, fail_fast):
    argv = ["python3", "-m", "pytest", *_pytest_args(REPORT, selection, fail_fast)]
    session.exec(["rm", "-f", REPORT])
    r = session.exec(argv, env=_env(session))
    try:
        xml = session.read_file(REPORT)
    except FileNotFoundError:
        xml = None
    finally:
        session.exec(["rm", "-f", REPORT])
    return _report(session, r.output, r.exit_code, r.timed_out, r.duration, r.killed_by_limit, xml,
                   missing_pytest="No module named pytest" in r.stderr)


def _report(session, log, exit_code, timed_out, duration, killed_by_limit, xml, missing_pytest=False,
            time_limit=None) -> TestReport:
    report = TestReport(log=log, exit_code=exit_code, timed_out=timed_out, duration=duration)
    if xml and not timed_out:
        try:
            report.tests = junit.parse(xml, exists=lambda path: _exists(session, path))
        except ET.ParseError as e:
            report.error = f"pytest's JUnit XML report is unreadable: {e}"
            return report
    if timed_out:
        report.error = f"the test suite did not finish within {time_limit or session.limits.timeout:g}s and was killed"
    elif killed_by_limit:
        report.error = f"the test run was stopped by the sandbox's {killed_by_limit} limit"
    elif exit_code == 5 or (xml and not report.tests and exit_code == 0):
        report.error = "no tests collected"
    elif not report.tests and exit_code != 0:
        if missing_pytest:  # the harness's tool is missing: not the code's fault, no reward
            raise SandboxError(f"pytest is not installed where the tests run ({MISSING_HINT}): pip install pytest")
        else:
            report.error = f"pytest exited with code {exit_code}: {log.strip()[-500:]}"
    return report


@hookimpl
def gauntlet_test_variants(session, variants):
    """All variants in one ``variant_runner`` process that forks per variant (see its docstring).
    None when the runner could not start (no pytest in the sandbox, say): the core then builds and
    tests each variant on its own, which reports the cause."""
    if not variants:
        return None
    per_variant = session.limits.timeout
    request = {"variants": [{"file": v.file, "text": v.text, "selection": v.selection, "fail_fast": v.fail_fast}
                            for v in variants],
               "timeout": per_variant, "clean_args": _pytest_args(VARIANT_REPORT, None, False),
               "warm": settings.python_warm(), "out": VARIANT_RESULTS, "log": VARIANT_LOG}
    leftovers = [VARIANT_RESULTS, VARIANT_LOG, VARIANT_REPORT, VARIANT_LOG + ".clean", VARIANT_REPORT + ".clean",
                 VARIANT_LOG + ".warm"]
    session.exec(["rm", "-f", *leftovers])
    session.exec(["python3", "-I", "-c", RUNNER], stdin=json.dumps(request), env=_env(session),
                 timeout=len(variants) * (per_variant + 5) + 30)
    try:
        lines = session.read_file(VARIANT_RESULTS).decode("utf-8", "replace").splitlines()
    except (OSError, ValueError):
        return None
    finally:
        session.exec(["rm", "-f", *leftovers])
    answered = {}
    for line in lines:
        try:
            done = json.loads(line)
        except json.JSONDecodeError:  # a torn line: the runner's warm child was stopped there
            continue
        answered[done["index"]] = done
    results = []
    for index in range(len(variants)):  # in the variants' order, up to the first without an answer
        done = answered.get(index)
        if done is None:
            break
        if "build_error" in done:
            e = done["build_error"]
            diag = Diagnostic(e["message"], e["file"], e["line"], e["column"], "error", "SyntaxError")
            results.append(VariantResult(BuildResult(ok=False, diagnostics=[diag])))
            continue
        xml = done["junit"].encode() if done.get("junit") else None
        results.append(VariantResult(BuildResult(ok=True), _report(session, done["log"], done["exit_code"], done["timed_out"],
                                                                   done["seconds"], None, xml,
                                                                   time_limit=done.get("time_limit")),
                                     unaffected=done.get("unaffected")))
    return results or None


def _exists(session, path: str) -> bool:
    try:
        session.read_file(path)
    except (OSError, ValueError):
        return False
    return True


# A missing tool is the harness's failure: an infrastructure error (no reward, exit 3), never a
# verdict against the code.  gauntlet-python depends on pytest and ruff, so that its minimal install
# grades; the local backend runs the harness's own interpreter and PATH.
MISSING_HINT = "the local backend uses the harness's Python and PATH; the docker backend the image's"


@hookimpl
def gauntlet_lint(session):
    args = ["check", "--output-format=json", "--exit-zero", "--no-cache", "."]
    r = session.exec(["ruff", *args])
    if r.exit_code == 127:  # not on PATH: perhaps installed as a module of the sandbox's python
        r = session.exec(["python3", "-m", "ruff", *args])
        if r.exit_code == 127 or (r.exit_code != 0 and "No module named ruff" in r.stderr):
            raise SandboxError(f"ruff is not installed where the code runs ({MISSING_HINT}): pip install ruff")
    if r.exit_code != 0:
        return LintReport(tool="ruff", log=r.output, error=f"ruff did not run: {r.output.strip()[-300:]}")
    try:
        diagnostics = ruff.parse(r.stdout, session.workdir)
    except ValueError as e:  # json.JSONDecodeError included
        return LintReport(tool="ruff", log=r.output, error=f"ruff's JSON output is unreadable: {e}")
    return LintReport(tool="ruff", log=r.stderr, diagnostics=diagnostics)


@hookimpl
def gauntlet_mutate(workspace, options):
    return mutations(Path(workspace), options)


@hookimpl
def gauntlet_related_tests(workspace, file, stable):
    return related.related_tests(Path(workspace), file, stable)


@hookimpl
def gauntlet_mutation_tools(language):
    return [mutmut_tool.TOOL]


@hookimpl
def gauntlet_toolchain():
    """pip finds a private CA bundle through PIP_CERT (a file path, no secret)."""
    return Toolchain(passenv=("PIP_CERT",))
