"""Plugin manager: discovers language plugins through the "gauntlet" entry-point group.

- Validation: every ``gauntlet_*`` function a plugin marks with ``hookimpl`` must name a hook of
  ``harness.hookspecs`` and take only that hook's arguments; otherwise the plugin is reported as
  broken (naming the plugin, the hook and the problem) and skipped.  A plugin that fails to import
  is reported and skipped too: a broken plugin never takes the CLI down.
- Selection: ``GAUNTLET_PLUGINS=python,rust`` loads only those entry points;
  ``GAUNTLET_DISABLE_PLUGINS=go`` skips some.
- Dispatch: the per-language hooks (those ``hookspecs`` marks ``@per_language``: image, build, test,
  test_variants, lint, mutate, related_tests, mutation_tools, solution_recipe) are called through
  ``for_language(language)``, a relay of pluggy subset hook callers that reaches only the plugins
  whose ``gauntlet_language`` declares that language (``UnknownLanguage`` when none does); the
  other hooks (language, detect, toolchain, reward) go to every plugin through ``hook``.  Plugins
  never ask "is this mine?".
- Tracing: ``GAUNTLET_TRACE=1`` prints every hook call and result to stderr (both ways of calling).
"""

from __future__ import annotations

import difflib
import inspect
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from harness import builtin, hookspecs, settings
from harness.errors import InfraError, UsageError
from harness.language import LanguageInfo, Toolchain

GROUP = "gauntlet"


class PluginError(InfraError):
    """A plugin breaks the hook contract."""


class UnknownLanguage(UsageError, LookupError):
    """No installed plugin serves the language a per-language hook was asked for."""


PER_LANGUAGE = frozenset(
    name for name, fn in vars(hookspecs).items()
    if name.startswith("gauntlet_") and getattr(fn, "gauntlet_per_language", False)
)


class LanguageHooks:
    """The per-language hooks of one language: ``relay.gauntlet_build(session=...)`` calls only the
    plugins of ``language`` (pluggy's ``subset_hook_caller``, so firstresult, tracing and hook
    wrappers behave as with ``pm.hook``).  Made by ``PluginManager.for_language``."""

    def __init__(self, pm: pluggy.PluginManager, language: str, others: frozenset):
        self.language = language
        self._pm = pm
        self._others = others  # the registered plugins that do not serve ``language``

    def __getattr__(self, name: str):
        if name not in PER_LANGUAGE:
            if name.startswith("gauntlet_"):
                raise AttributeError(f"{name} is not a per-language hook: call it on every plugin (pm.hook.{name})")
            raise AttributeError(name)
        caller = self._pm.subset_hook_caller(name, remove_plugins=self._others)
        setattr(self, name, caller)  # cached: __getattr__ is not asked again
        return caller

    def implements(self, name: str) -> bool:
        """Whether a plugin of this language implements ``name`` (an optional hook)."""
        return bool(getattr(self, name).get_hookimpls())

    def __repr__(self) -> str:
        return f"<LanguageHooks {self.language!r}>"


@dataclass
class PluginInfo:
    name: str  # entry-point name or module name
    version: str | None
    distribution: str | None
    module: str
    languages: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    error: str | None = None  # set for a broken plugin, which is not registered


def _spec_args() -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(fn).parameters)
        for name, fn in vars(hookspecs).items()
        if name.startswith("gauntlet_") and callable(fn)
    }


def validate(plugin: object, name: str) -> None:
    """Raise ``PluginError`` if ``plugin`` has a hookimpl that no spec knows or an unknown argument."""
    specs = _spec_args()
    marker = f"{hookspecs.PROJECT}_impl"
    for attr in dir(plugin):
        fn = getattr(plugin, attr, None)
        if not callable(fn):
            continue
        marked = hasattr(fn, marker)
        if not marked and not attr.startswith("gauntlet_"):
            continue
        if attr not in specs:
            hint = difflib.get_close_matches(attr, specs, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise PluginError(f"plugin {name!r}: hook {attr!r} is not a Gauntlet hook{did}")
        if not marked:
            raise PluginError(f"plugin {name!r}: hook {attr!r} is not marked with @harness.hookimpl")
        args = [a for a in inspect.signature(fn).parameters if a != "self"]
        unknown = [a for a in args if a not in specs[attr]]
        if unknown:
            expected = ", ".join(specs[attr]) or "no arguments"
            raise PluginError(
                f"plugin {name!r}: hook {attr!r} takes unknown argument(s) {', '.join(unknown)} "
                f"(the spec gives: {expected})"
            )


class PluginManager:
    """pluggy's manager plus what Gauntlet needs on top: discovery, validation, reporting."""

    def __init__(self, load_entry_points: bool = True):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(builtin, name="gauntlet.builtin")
        self.infos: list[PluginInfo] = []
        self._relays: dict[str, LanguageHooks] = {}
        self._relays_for: frozenset = frozenset()  # the registered plugins the relays were made for
        if settings.trace():
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()
        if load_entry_points:
            self.load_entry_points()

    @property
    def hook(self):
        return self.pm.hook

    def load_entry_points(self) -> None:
        only = settings.only_plugins()
        skip = settings.disabled_plugins()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if (only is not None and ep.name not in only) or ep.name in skip:
                continue
            dist = getattr(ep, "dist", None)
            info = PluginInfo(
                name=ep.name,
                version=dist.version if dist else None,
                distribution=dist.metadata["Name"] if dist else None,
                module=ep.value,
            )
            try:
                plugin = ep.load()
            except Exception as e:  # any import-time failure of third-party code
                info.error = f"plugin {ep.name!r} failed to import: {type(e).__name__}: {e}"
                self.infos.append(info)
                continue
            self.add(plugin, info)

    def add(self, plugin: object, info: PluginInfo | None = None) -> PluginInfo:
        """Validate and register one plugin object (module or instance).  Never raises."""
        name = info.name if info else getattr(plugin, "__name__", type(plugin).__name__)
        info = info or PluginInfo(name=name, version=None, distribution=None, module=name)
        try:
            validate(plugin, name)
            self.pm.register(plugin, name=name)
            info.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            if "gauntlet_language" in info.hooks:
                answer = plugin.gauntlet_language()
                infos = answer if isinstance(answer, list) else [answer]
                info.languages = [li.name for li in infos if isinstance(li, LanguageInfo)]
        except Exception as e:  # pluggy's PluginValidationError, our PluginError, a crashing hook
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            info.error = str(e) if isinstance(e, PluginError) else f"plugin {name!r}: {type(e).__name__}: {e}"
        self.infos.append(info)
        return info

    @property
    def broken(self) -> list[PluginInfo]:
        return [i for i in self.infos if i.error]

    def languages(self) -> dict[str, LanguageInfo]:
        out: dict[str, LanguageInfo] = {}
        for answer in self.hook.gauntlet_language():
            for li in answer if isinstance(answer, list) else [answer]:
                out.setdefault(li.name, li)
        return out

    def toolchain(self) -> Toolchain:
        """What the installed plugins' toolchains need of the host (``gauntlet_toolchain``), merged:
        a local session sees every installed toolchain, whatever its language."""
        paths: list[str] = []
        passenv: list[str] = []
        caches: list[str] = []
        env: dict[str, str] = {}
        for answer in reversed(self.hook.gauntlet_toolchain()):  # registration order
            if answer is None:
                continue
            paths += [p for p in answer.paths if p not in paths]
            passenv += [v for v in answer.passenv if v not in passenv]
            caches += [v for v in answer.caches if v not in caches]
            for k, v in answer.env.items():
                env.setdefault(k, v)
        return Toolchain(paths=tuple(paths), passenv=tuple(passenv), env=env, caches=tuple(caches))

    def implements(self, hook: str, language: str) -> bool:
        """Whether a plugin of ``language`` implements ``hook`` (an optional hook such as
        ``gauntlet_test_variants``, which callers use differently when it is there)."""
        try:
            return self.for_language(language).implements(hook)
        except UnknownLanguage:
            return False

    def for_language(self, language: str) -> LanguageHooks:
        """The per-language hooks of ``language``, reaching only the plugins that declare it.

        Raises ``UnknownLanguage`` (naming the language and the installed ones) when none does.
        Made once per language and made again when the registered plugins change.
        """
        plugins = frozenset(self.pm.get_plugins())
        if plugins != self._relays_for:
            self._relays, self._relays_for = {}, plugins
        relay = self._relays.get(language)
        if relay is None:
            served = self._served()
            if language not in served:
                have = ", ".join(sorted(served)) or "none installed"
                raise UnknownLanguage(f"no plugin for language {language!r} (installed: {have})")
            relay = self._relays[language] = LanguageHooks(self.pm, language, plugins - served[language])
        return relay

    def _served(self) -> dict[str, set]:
        """language -> the registered plugins whose ``gauntlet_language`` declares it."""
        out: dict[str, set] = {}
        for impl in self.hook.gauntlet_language.get_hookimpls():
            try:
                answer = impl.function()
            except Exception:  # a plugin registered around ``add`` whose hook crashes serves nothing
                continue
            for li in answer if isinstance(answer, list) else [answer]:
                if isinstance(li, LanguageInfo):
                    out.setdefault(li.name, set()).add(impl.plugin)
        return out

    def detect(self, workspace: Path) -> str | None:
        """The language whose plugin is most confident about ``workspace``; None if no plugin is."""
        best, best_score = None, 0.0
        for impl in reversed(self.hook.gauntlet_detect.get_hookimpls()):  # registration order
            language_hook = getattr(impl.plugin, "gauntlet_language", None)
            if language_hook is None:
                continue
            score = impl.function(workspace=workspace) or 0.0
            if score > best_score:
                best, best_score = language_hook().name, score
        return best


_manager: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, loaded on first use."""
    global _manager
    if _manager is None:
        _manager = PluginManager()
    return _manager
