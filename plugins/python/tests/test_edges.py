"""Edge cases of the Python plugin: exact pytest ids, runner failures, pre-existing syntax errors, mutations."""

import subprocess
import textwrap
import xml.etree.ElementTree as ET

import pytest
from gauntlet_python import junit, mutate, plugin, ruff

from harness.mutation import MutateOptions
from harness.outcome import Status
from harness.sandbox import ExecResult, SandboxError
from harness.sandbox.local import LocalBackend


def project(root, files):
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def session_of():
    opened = []

    def open_(path):
        s = LocalBackend().open(path, language="python")
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


IDS_PROJECT = {
    "tests/__init__.py": "",
    "tests/base.py": """
        class Base:
            def test_inherited(self):
                assert True
    """,
    "tests/test_a.py": """
        import pytest
        from tests.base import Base

        class TestA(Base):
            class TestInner:
                def test_deep(self):
                    pass

        @pytest.fixture
        def bad_teardown():
            yield
            raise RuntimeError("teardown boom")

        def test_teardown_error(bad_teardown):
            pass

        def test_fails_then_teardown_error(bad_teardown):
            assert 0

        @pytest.mark.xfail(reason="known")
        def test_xfail():
            assert 0

        @pytest.mark.xfail(strict=True)
        def test_xpass_strict():
            pass

        @pytest.mark.xfail
        def test_xpass():
            pass

        @pytest.mark.parametrize("v", ["a.b", "x::y", "1.5"])
        def test_p(v):
            pass
    """,
    # Only inherited tests: no test case names this module as its file.
    "tests/test_only_inherited.py": "from tests.base import Base\n\n\nclass TestOnly(Base):\n    pass\n",
    "tests/test_broken.py": "import no_such_module_here\n",
}


def test_exact_ids_inherited_nested_xfail_teardown_and_collection_errors(tmp_path, session_of):
    report = plugin.gauntlet_test(session=session_of(project(tmp_path, IDS_PROJECT)), selection=None, fail_fast=False)
    got = {t: r.status for t, r in report.tests.items()}
    assert got == {
        "tests/test_a.py::TestA::test_inherited": Status.PASSED,
        "tests/test_a.py::TestA::TestInner::test_deep": Status.PASSED,
        "tests/test_a.py::test_teardown_error": Status.ERROR,
        "tests/test_a.py::test_fails_then_teardown_error": Status.FAILED,
        "tests/test_a.py::test_xfail": Status.SKIPPED,
        "tests/test_a.py::test_xpass_strict": Status.FAILED,
        "tests/test_a.py::test_xpass": Status.PASSED,
        "tests/test_a.py::test_p[a.b]": Status.PASSED,
        "tests/test_a.py::test_p[x::y]": Status.PASSED,
        "tests/test_a.py::test_p[1.5]": Status.PASSED,
        "tests/test_only_inherited.py::TestOnly::test_inherited": Status.PASSED,
        "tests/test_broken.py": Status.ERROR,  # collection error; the other modules still ran
    }
    assert report.tests["tests/test_a.py::test_fails_then_teardown_error"].message == "assert 0"
    assert report.error is None and not report.passed


def test_ids_match_pytest_own_ids(tmp_path, session_of):
    """The JUnit-derived ids are the ones ``pytest --collect-only`` prints, so selections round-trip."""
    ws = project(tmp_path, {k: v for k, v in IDS_PROJECT.items() if k != "tests/test_broken.py"})
    s = session_of(ws)
    collected = s.exec(["python3", "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"])
    pytest_ids = {line for line in collected.stdout.splitlines() if "::" in line}
    report = plugin.gauntlet_test(session=s, selection=None, fail_fast=False)
    assert set(report.tests) == pytest_ids
    again = plugin.gauntlet_test(session=s, selection=["tests/test_a.py::test_p[x::y]", "tests/test_only_inherited.py"], fail_fast=False)
    assert set(again.tests) == {"tests/test_a.py::test_p[x::y]", "tests/test_only_inherited.py::TestOnly::test_inherited"}


def test_unknown_selection_is_a_runner_error_with_the_log_tail(tmp_path, session_of):
    ws = project(tmp_path, {"tests/test_x.py": "def test_x():\n    pass\n"})
    report = plugin.gauntlet_test(session=session_of(ws), selection=["tests/test_nope.py::test_x"], fail_fast=False)
    assert report.tests == {} and report.exit_code == 4
    assert report.error.startswith("pytest exited with code 4") and "test_nope.py" in report.error


class FakeSession:
    """Canned command results, for runner failures that a real machine cannot easily produce."""

    language = "python"
    workdir = "/workspace"

    def __init__(self, results, files=None):
        self.results, self.files, self.argvs = results, files or {}, []

    def exec(self, argv, timeout=None, env=None, stdin=None, cwd=None):
        self.argvs.append(argv)
        for prefix, result in self.results.items():
            if " ".join(argv).startswith(prefix):
                return result
        return ExecResult(0, "", "", 0.0)

    def read_file(self, path):
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path]

    class limits:
        timeout = 30.0


def test_missing_tools_are_infrastructure_errors_that_say_how_to_install_them():
    no_pytest = FakeSession({"python3 -m pytest": ExecResult(1, "", "/usr/bin/python3: No module named pytest\n", 0.1)})
    with pytest.raises(SandboxError, match="pytest is not installed.*pip install pytest"):
        plugin.gauntlet_test(session=no_pytest, selection=None, fail_fast=False)
    no_ruff = FakeSession({"ruff": ExecResult(127, "", "command not found: ruff", 0.0),
                           "python3 -m ruff": ExecResult(1, "", "/usr/bin/python3: No module named ruff\n", 0.1)})
    with pytest.raises(SandboxError, match="ruff is not installed.*pip install ruff"):
        plugin.gauntlet_lint(session=no_ruff)
    assert no_ruff.argvs[-1][:3] == ["python3", "-m", "ruff"]
    no_python = FakeSession({"python3": ExecResult(127, "", "command not found: python3", 0.0)})
    with pytest.raises(SandboxError, match="python3 is not available"):  # infrastructure, not the patch
        plugin.gauntlet_build(session=no_python)


def test_fail_fast_is_pytest_x():
    """``fail_fast`` is an argument of the hook (the core's kill check), not an attribute of the session."""
    for fail_fast in (True, False):
        s = FakeSession({})
        plugin.gauntlet_test(session=s, selection=["tests/test_a.py"], fail_fast=fail_fast)
        [run] = [a for a in s.argvs if a[:3] == ["python3", "-m", "pytest"]]
        assert ("-x" in run) is fail_fast and run[-1] == "tests/test_a.py"


def test_truncated_junit_report_is_an_error_not_a_crash():
    s = FakeSession({"python3 -m pytest": ExecResult(1, "F", "", 0.1)}, {plugin.REPORT: b"<testsuites><testsuite><testc"})
    report = plugin.gauntlet_test(session=s, selection=None, fail_fast=False)
    assert report.tests == {} and "unreadable" in report.error


def test_junit_without_file_attributes_and_module_name_prefixes():
    xml = b"""<testsuites><testsuite>
      <testcase classname="tests.test_x.TestK" name="test_a" time="0.5"/>
      <testcase classname="tests.base_x.TestK" name="test_b" file="tests/base.py"/>
      <testcase classname="pkg.sub.test_y" name="test_c[1-2]"><failure message="boom">long text</failure></testcase>
    </testsuite></testsuites>"""
    got = junit.parse(xml, exists=lambda path: path in {"tests/test_x.py", "tests/base_x.py", "pkg/sub/test_y.py"})
    assert {t: (r.status, r.message) for t, r in got.items()} == {
        "tests/test_x.py::TestK::test_a": (Status.PASSED, None),
        "tests/base_x.py::TestK::test_b": (Status.PASSED, None),
        "pkg/sub/test_y.py::test_c[1-2]": (Status.FAILED, "boom"),
    }
    assert got["tests/test_x.py::TestK::test_a"].duration == 0.5
    # No way to look at files: classes are the capitalised parts.
    one = b'<testsuite><testcase classname="tests.test_x.TestK.TestIn" name="test_a"/></testsuite>'
    assert list(junit.parse(one)) == ["tests/test_x.py::TestK::TestIn::test_a"]
    with pytest.raises(ET.ParseError):
        junit.parse(b"<testsuites>")


def test_ruff_json_paths_and_severities():
    out = """[{"code": "F401", "message": "`os` imported but unused", "filename": "/workspace/pkg/m.py",
               "location": {"row": 1, "column": 8}},
              {"code": "invalid-syntax", "message": "Expected `)`", "filename": "/workspace/b.py",
               "location": {"row": 2, "column": 7}},
              {"code": null, "message": "SyntaxError: bad", "filename": "/workspace/c.py", "location": {"row": 3, "column": 1}}]"""
    got = [(d.file, d.line, d.column, d.code, d.severity) for d in ruff.parse(out, "/workspace")]
    assert got == [("pkg/m.py", 1, 8, "F401", "warning"), ("b.py", 2, 7, "invalid-syntax", "error"),
                   ("c.py", 3, 1, "syntax-error", "error")]


def test_lint_reports_syntax_errors_as_errors(tmp_path, session_of):
    lint = plugin.gauntlet_lint(session=session_of(project(tmp_path, {"a.py": "def f(:\n    pass\n"})))
    assert lint.diagnostics and {d.severity for d in lint.diagnostics} == {"error"} and not lint.clean


def git(ws, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=ws, check=True, capture_output=True)


def test_syntax_errors_already_committed_do_not_fail_the_build(tmp_path, session_of):
    ws = project(tmp_path, {"pkg/ok.py": "x = 1\n", "tests/data/py2.py": "print 'old'\n",
                            "json.py": "raise SystemExit('workspace json.py must not shadow the checker')\n"})
    git(ws, "init", "-q")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "base")
    build = plugin.gauntlet_build(session=session_of(ws))
    assert build.ok, build
    [d] = build.diagnostics
    assert (d.file, d.line, d.severity) == ("tests/data/py2.py", 1, "warning")
    (ws / "pkg" / "ok.py").write_text("x = (1\n")  # the patch's own syntax error
    build = plugin.gauntlet_build(session=session_of(ws))
    assert not build.ok and [(d.file, d.severity) for d in build.errors] == [("pkg/ok.py", "error")]


def test_mutations_keep_crlf_unicode_and_form_feeds_and_apply(tmp_path):
    ws = tmp_path
    (ws / "pkg").mkdir()
    (ws / "pkg" / "text.py").write_bytes(
        "def f(s, n):\r\n    s = 'é→ü' + s\r\n    n += 1\r\n    return s[1: n - 1]\r\n".encode())
    (ws / "pkg" / "ff.py").write_text("a = 1\n\x0c\ndef g(x):\n    y = x * 2\n    return y > 3\n")
    (ws / "pkg" / "thing_test.py").write_text("assert 1 < 2\n")
    (ws / "testing").mkdir()
    (ws / "testing" / "helpers.py").write_text("x = 1 < 2\n")
    git(ws, "init", "-q")
    muts = plugin.gauntlet_mutate(workspace=ws, options=MutateOptions(language="python"))
    # ff.py: harness.mutation.unified_diff breaks lines at form feeds, git does not; skipped for now.
    assert {m.file for m in muts} == {"pkg/text.py"}
    by = {(m.file, m.operator, m.original, m.replacement) for m in muts}
    assert ("pkg/text.py", "wrong_operator", "+=", "-=") in by
    assert ("pkg/text.py", "wrong_operator", "+", "-") in by
    assert ("pkg/text.py", "slice_off_by_one", "1", "2") in by
    for m in muts:
        r = subprocess.run(["git", "apply", "--check", "-"], cwd=ws, input=m.diff.encode(), capture_output=True)
        assert r.returncode == 0, (m, r.stderr)


def test_offsets_follow_python_lines_not_str_splitlines():
    text = "a = 1\n\x0c\ndef g(x):\n    y = x * 2\n    return y > 3\n"
    spots = {(text[s:e], repl) for s, e, repl, _ in mutate.candidates_for(text)}
    assert {("*", "/"), (">", ">="), ("3", "4"), ("y = x * 2", "pass")} <= spots


def test_mutation_filters(tmp_path):
    project(tmp_path, {"a.py": "def f(x):\n    return x + 1 < 3\n", "b.py": "y = 2 * 3\n"})
    only = plugin.gauntlet_mutate(workspace=tmp_path, options=MutateOptions(language="python", operators=("comparison_flip",)))
    assert [(m.file, m.original, m.replacement) for m in only] == [("a.py", "<", "<=")]
    files = plugin.gauntlet_mutate(workspace=tmp_path, options=MutateOptions(language="python", files=("b.py",)))
    assert {m.file for m in files} == {"b.py"}
