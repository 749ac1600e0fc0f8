"""The plugin manager: validation errors name the plugin, the hook and the problem; broken plugins are skipped."""

import sys
import textwrap
import types

import pytest

from harness import hookimpl
from harness.language import LanguageInfo
from harness.plugins import PluginError, PluginManager, validate


def make_plugin(name: str, source: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__["hookimpl"] = hookimpl
    mod.__dict__["LanguageInfo"] = LanguageInfo
    exec(textwrap.dedent(source), mod.__dict__)
    return mod


GOOD = """
@hookimpl
def gauntlet_language():
    return LanguageInfo(name="toy", suffixes=(".toy",), markers=("toy.cfg",))

@hookimpl
def gauntlet_detect(workspace):
    return 1.0 if (workspace / "toy.cfg").exists() else None
"""


def test_good_plugin_is_registered_with_its_language_and_hooks():
    pm = PluginManager(load_entry_points=False)
    info = pm.add(make_plugin("toy", GOOD))
    assert info.error is None
    assert info.languages == ["toy"]
    assert info.hooks == ["gauntlet_detect", "gauntlet_language"]
    assert "toy" in pm.languages()


def test_implements_answers_per_language():
    pm = PluginManager(load_entry_points=False)
    pm.add(make_plugin("toy", GOOD + "\n@hookimpl\ndef gauntlet_test_variants(session, variants):\n    return None\n"))
    pm.add(make_plugin("other", GOOD.replace('"toy"', '"other"')))
    assert pm.implements("gauntlet_test_variants", "toy")
    assert not pm.implements("gauntlet_test_variants", "other")
    assert not pm.implements("gauntlet_test_variants", "missing")


def test_misspelled_hook_names_plugin_hook_and_suggestion():
    plugin = make_plugin("typo", "@hookimpl\ndef gauntlet_bulid(session):\n    return None\n")
    with pytest.raises(PluginError) as e:
        validate(plugin, "typo")
    msg = str(e.value)
    assert "'typo'" in msg and "gauntlet_bulid" in msg and "did you mean 'gauntlet_build'" in msg


def test_unknown_argument_names_the_argument_and_the_spec():
    plugin = make_plugin("badarg", "@hookimpl\ndef gauntlet_test(session, selecton):\n    return None\n")
    with pytest.raises(PluginError) as e:
        validate(plugin, "badarg")
    msg = str(e.value)
    assert "'badarg'" in msg and "'gauntlet_test'" in msg and "selecton" in msg and "session, selection" in msg


def test_unmarked_hook_function_is_an_error():
    plugin = make_plugin("unmarked", "def gauntlet_lint(session):\n    return None\n")
    with pytest.raises(PluginError, match="not marked with @harness.hookimpl"):
        validate(plugin, "unmarked")


def test_broken_plugin_is_reported_and_skipped_not_raised():
    pm = PluginManager(load_entry_points=False)
    info = pm.add(make_plugin("typo", "@hookimpl\ndef gauntlet_imag(language):\n    return None\n"))
    assert info.error and "gauntlet_imag" in info.error
    assert pm.broken == [info]
    assert not pm.pm.has_plugin("typo")


def test_plugin_whose_language_hook_crashes_is_broken():
    pm = PluginManager(load_entry_points=False)
    info = pm.add(make_plugin("crash", "@hookimpl\ndef gauntlet_language():\n    raise RuntimeError('boom')\n"))
    assert "boom" in info.error
    assert pm.languages() == {}


def test_detect_picks_the_most_confident_plugin(tmp_path):
    pm = PluginManager(load_entry_points=False)
    pm.add(make_plugin("toy", GOOD))
    pm.add(make_plugin("other", GOOD.replace('"toy"', '"other"').replace("1.0 if", "0.4 if")))
    (tmp_path / "toy.cfg").write_text("")
    assert pm.detect(tmp_path) == "toy"


def test_builtin_default_reward_answers_when_no_plugin_does():
    from harness.outcome import BuildResult, Outcome
    from harness.rewards import reward_for

    pm = PluginManager(load_entry_points=False)
    r = reward_for(Outcome(build=BuildResult(ok=False)), pm=pm)
    assert r.value == -0.3


def test_plugin_reward_overrides_the_default_table():
    from harness.outcome import Outcome
    from harness.rewards import reward_for

    pm = PluginManager(load_entry_points=False)
    pm.add(make_plugin("rewarder", "@hookimpl\ndef gauntlet_reward(outcome, context):\n    return 0.42\n"))
    assert reward_for(Outcome(), pm=pm).value == 0.42


def test_entry_point_allow_and_block_lists(monkeypatch, tmp_path):
    """Throwaway distributions on sys.path: one good, one that fails to import, one blocked."""
    dist = tmp_path / "site"
    for name, body in {"toy_good": GOOD, "toy_broken": "raise ImportError('missing dependency xyz')\n"}.items():
        (dist / name).mkdir(parents=True)
        (dist / name / "__init__.py").write_text(
            "from harness import hookimpl\nfrom harness.language import LanguageInfo\n" + textwrap.dedent(body)
        )
        info = dist / f"{name}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[gauntlet]\n{name} = {name}\n")
    monkeypatch.syspath_prepend(str(dist))
    pm = PluginManager()
    by_name = {i.name: i for i in pm.infos}
    assert by_name["toy_good"].error is None and by_name["toy_good"].version == "0.1"
    assert "missing dependency xyz" in by_name["toy_broken"].error

    monkeypatch.setenv("GAUNTLET_DISABLE_PLUGINS", "toy_broken")
    assert "toy_broken" not in {i.name for i in PluginManager().infos}
    monkeypatch.setenv("GAUNTLET_PLUGINS", "toy_broken")
    monkeypatch.delenv("GAUNTLET_DISABLE_PLUGINS")
    assert {i.name for i in PluginManager().infos} == {"toy_broken"}
    sys.modules.pop("toy_good", None)


def test_trace_env_prints_hook_calls(monkeypatch, capsys):
    monkeypatch.setenv("GAUNTLET_TRACE", "1")
    pm = PluginManager(load_entry_points=False)
    pm.add(make_plugin("toy", GOOD))
    pm.hook.gauntlet_language()
    assert "gauntlet_language" in capsys.readouterr().err


def test_every_hook_is_documented_and_implemented():
    """datasette's rule: a hook nobody documents or uses is a hook nobody can rely on."""
    from harness import hookspecs

    pm = PluginManager()
    implemented = {h for info in pm.infos if not info.error for h in info.hooks} | {"gauntlet_reward"}
    for name, fn in vars(hookspecs).items():
        if name.startswith("gauntlet_"):
            doc = fn.__doc__ or ""
            assert ":return:" in doc and "None" in doc, f"{name} must say what it returns and when None"
            assert name in implemented or not pm.infos, f"no installed plugin implements {name}"


def test_hookimpl_is_reexported_by_harness():
    import harness
    from harness import hookspecs

    assert harness.hookimpl is hookspecs.hookimpl


def test_no_hookspec_argument_has_a_default():
    """pluggy before 1.7 leaves defaulted arguments out of a spec, and then refuses every plugin whose
    hookimpl names one (seen with pluggy 1.6: "declared in the hookimpl but can not be found")."""
    import inspect

    from harness import hookspecs

    for name, fn in vars(hookspecs).items():
        if name.startswith("gauntlet_"):
            defaults = [p for p in inspect.signature(fn).parameters.values() if p.default is not inspect.Parameter.empty]
            assert not defaults, f"{name}: {defaults} (the core passes every argument; give none a default)"
