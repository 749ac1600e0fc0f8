"""What a language plugin declares about itself: its language and the image it runs in."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LanguageInfo:
    """Answer of ``gauntlet_language``: the language name and how to recognise its files."""

    name: str  # "python", "rust", "go", "typescript"
    suffixes: tuple[str, ...] = ()  # (".py",)
    markers: tuple[str, ...] = ()  # ("pyproject.toml", "setup.py")


@dataclass(frozen=True)
class ImageSpec:
    """Answer of ``gauntlet_image``: how the Docker backend builds the language's image.

    The Dockerfile takes the base image as ``ARG BASE_IMAGE``; ``base_image`` is the default value
    (an official image), which users without a registry override.  The image is tagged by a hash of
    the Dockerfile text, the build args and any ``files`` added to the build context.
    """

    language: str
    dockerfile: str
    base_image: str
    build_args: dict[str, str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)  # tool -> version (pinned or "latest")
    files: dict[str, str] = field(default_factory=dict)  # extra build-context files: name -> text
    workdir: str = "/workspace"
    user: str | None = "gauntlet"  # non-root user created by the Dockerfile, or None
    # Shell commands that download a project's dependencies, run with network in the project's
    # directory before the offline evaluation (e.g. "cargo fetch"); SWE-bench's own-environment
    # mode bakes them into the instance image.
    prepare: tuple[str, ...] = ()
