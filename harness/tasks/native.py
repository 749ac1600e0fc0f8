"""Candidate sources of task generation beyond the plugin's operators: the languages' own mutation
tools (cargo-mutants for Rust, mutmut for Python ...), each a ``MutationTool`` that the language's
plugin offers through ``gauntlet_mutation_tools``.  Their candidates are the same ``Mutation``
records the plugins propose, so validation, dedupe and task writing do not care where a candidate
came from.

Every tool is optional: a missing one is a ``NativeToolMissing`` with the command that installs it.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import UsageError
from harness.mutation import Mutation, MutationTool

PLUGIN = "plugin"  # the source that is the plugin's own operators (``gauntlet_mutate``)


class NativeToolMissing(UsageError, RuntimeError):
    """The native mutation tool asked for is not installed."""


def tools(language: str, pm=None) -> dict[str, MutationTool]:
    """The mutation tools the language's plugin offers, by name."""
    from harness.plugins import UnknownLanguage, get_plugin_manager

    pm = pm or get_plugin_manager()
    try:
        answers = pm.for_language(language).gauntlet_mutation_tools(language=language)
    except UnknownLanguage:
        return {}
    return {t.name: t for answer in answers for t in answer or ()}


def require(source: str, language: str, pm=None) -> None:
    """Fail before any work when a source is unknown for ``language`` or its tool is missing."""
    if source == PLUGIN:
        return
    known = tools(language, pm)
    tool = known.get(source)
    if tool is None:
        raise ValueError(f"unknown candidate source {source!r} for {language}; "
                         f"choose from {', '.join([PLUGIN, *known])}")
    if not tool.installed():
        raise NativeToolMissing(f"{tool.name} is not installed: {tool.install}")


def native_candidates(source: str, language: str, tree: Path, files: list[str] | None = None, pm=None) -> list[Mutation]:
    """Candidates from one native tool over the clean tree, in the tool's order."""
    require(source, language, pm)
    return tools(language, pm)[source].candidates(tree, files)
