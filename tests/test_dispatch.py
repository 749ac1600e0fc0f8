"""Dispatch: the core calls a per-language hook on the plugin of that language only (issue #25 point 2),
and ``language`` / ``fail_fast`` reach the plugins explicitly, not as attributes set after open (point 3)."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness import hookimpl
from harness.language import LanguageInfo
from harness.outcome import BuildResult, TestReport
from harness.plugins import PER_LANGUAGE, PluginInfo, PluginManager, UnknownLanguage

ROOT = Path(__file__).resolve().parent.parent


class Fake:
    """A language plugin that records its calls and, like every plugin now, never asks whose session it is."""

    def __init__(self, name: str):
        self.name, self.calls = name, []

    @hookimpl
    def gauntlet_language(self):
        return LanguageInfo(self.name, suffixes=(f".{self.name}",), markers=())

    @hookimpl
    def gauntlet_image(self, language):
        self.calls.append(("image", language))
        return f"image of {self.name}"

    @hookimpl
    def gauntlet_build(self, session):
        self.calls.append(("build", session.language))
        return BuildResult(ok=True, log=self.name)

    @hookimpl
    def gauntlet_test(self, session, selection, fail_fast):
        self.calls.append(("test", session.language, fail_fast))
        return TestReport(log=self.name)


class Lint:
    """Implements only a subset of the spec's arguments (no ``fail_fast``) and one hook."""

    calls: list = []

    @hookimpl
    def gauntlet_language(self):
        return LanguageInfo("b", suffixes=(".b2",), markers=())

    @hookimpl
    def gauntlet_test(self, session, selection):
        Lint.calls.append(("test", selection))
        return None  # let the other plugin of "b" answer


def add(pm, plugin, name):
    info = pm.add(plugin, PluginInfo(name=name, version=None, distribution=None, module=name))
    assert info.error is None, info.error


@pytest.fixture
def two():
    pm = PluginManager(load_entry_points=False)
    a, b = Fake("a"), Fake("b")
    add(pm, a, "fake-a")
    add(pm, b, "fake-b")
    return pm, a, b


def session(language):
    return SimpleNamespace(language=language)


def test_a_build_for_one_language_calls_only_that_plugin(two):
    pm, a, b = two
    assert pm.for_language("a").gauntlet_build(session=session("a")).log == "a"
    assert pm.for_language("b").gauntlet_build(session=session("b")).log == "b"
    assert pm.for_language("a").gauntlet_image(language="a") == "image of a"
    assert a.calls == [("build", "a"), ("image", "a")]
    assert b.calls == [("build", "b")]


def test_fail_fast_is_an_argument_of_gauntlet_test(two):
    pm, a, b = two
    pm.for_language("b").gauntlet_test(session=session("b"), selection=None, fail_fast=True)
    assert b.calls == [("test", "b", True)] and a.calls == []


def test_a_plugin_may_take_fewer_arguments_and_two_plugins_may_share_a_language(two):
    pm, a, b = two
    Lint.calls = []
    add(pm, Lint(), "lint-b")
    report = pm.for_language("b").gauntlet_test(session=session("b"), selection=["t"], fail_fast=False)
    assert report.log == "b" and Lint.calls == [("test", ["t"])] and a.calls == []


def test_unknown_language_names_it_and_the_installed_ones(two):
    pm, _, _ = two
    with pytest.raises(UnknownLanguage, match=r"no plugin for language 'cobol' \(installed: a, b\)"):
        pm.for_language("cobol")
    assert not pm.implements("gauntlet_build", "cobol")
    assert pm.implements("gauntlet_build", "a") and not pm.implements("gauntlet_lint", "a")


def test_hooks_that_are_not_per_language_are_refused_by_the_relay(two):
    pm, _, _ = two
    assert PER_LANGUAGE == {"gauntlet_image", "gauntlet_dependencies", "gauntlet_prepare", "gauntlet_build",
                            "gauntlet_test", "gauntlet_test_variants", "gauntlet_lint", "gauntlet_mutate",
                            "gauntlet_related_tests", "gauntlet_mutation_tools", "gauntlet_solution_recipe"}
    with pytest.raises(AttributeError, match="not a per-language hook"):
        getattr(pm.for_language("a"), "gauntlet_detect")  # noqa: B009
    assert sorted(li.name for li in pm.hook.gauntlet_language()) == ["a", "b"]  # still every plugin


def test_relays_are_cached_and_follow_new_registrations(two):
    pm, a, _ = two
    relay = pm.for_language("a")
    assert pm.for_language("a") is relay
    c = Fake("c")
    add(pm, c, "fake-c")
    assert pm.for_language("a") is not relay  # made again: the new plugin is kept out of "a"
    pm.for_language("a").gauntlet_build(session=session("a"))
    assert c.calls == [] and a.calls == [("build", "a")]
    assert pm.for_language("c").gauntlet_build(session=session("c")).log == "c"


def test_trace_shows_calls_through_the_relay(monkeypatch, capsys):
    monkeypatch.setenv("GAUNTLET_TRACE", "1")
    pm = PluginManager(load_entry_points=False)
    add(pm, Fake("a"), "fake-a")
    pm.for_language("a").gauntlet_build(session=session("a"))
    assert "gauntlet_build" in capsys.readouterr().err


def test_backends_take_the_language_at_open(tmp_path):
    from harness.sandbox.local import LocalBackend

    with LocalBackend(unsafe_host=True).open(tmp_path, language="a") as s:
        assert s.language == "a"
    with LocalBackend(unsafe_host=True).open(tmp_path) as s:
        assert s.language is None


# What the plugins and the core must no longer do: a plugin comparing the language it was called
# for, or reading hidden attributes with getattr; the core setting them after open.
PLUGIN_GUARD = re.compile(r"(session|options)\.language\s*[!=]=|[!=]=\s*(LANGUAGE|NAME)\b|language\s*[!=]=\s*(LANGUAGE|NAME)\b"
                          r"|getattr\(session,\s*\"(language|fail_fast)\"")
CORE_ASSIGN = re.compile(r"(?<!self)\.(language|fail_fast)\s*=(?!=)")


def _sources(*parts):
    for part in parts:
        yield from (p for p in (ROOT / part).rglob("*.py") if "tests" not in p.relative_to(ROOT / part).parts)


def test_no_plugin_asks_whose_session_it_is():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in _sources("plugins") for n, line in enumerate(p.read_text().splitlines(), 1)
             if PLUGIN_GUARD.search(line)]
    assert found == []


def test_the_core_sets_no_session_attribute_after_open():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in _sources("harness", "trainers", "bench") for n, line in enumerate(p.read_text().splitlines(), 1)
             if CORE_ASSIGN.search(line)]
    assert found == []
