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


@dataclass(frozen=True)
class SolutionRecipe:
    """Answer of ``gauntlet_solution_recipe``: how to build and run one stand-alone stdin/stdout
    program of the language (LiveCodeBench-style problems): the project files to write, the
    command that builds it once and the command that runs it on each test's input."""

    files: dict[str, str]  # path -> content; "{code}" stands for the solution's text
    build: list[str]
    run: list[str]
    tool: str  # the command that must be on PATH for a run on this machine
    env: dict[str, str] = field(default_factory=dict)  # extra variables of the build and the runs


@dataclass(frozen=True)
class Toolchain:
    """Answer of ``gauntlet_toolchain``: what of the host a local (jailed) session needs for the
    plugin's toolchain to work, when that toolchain lives outside the system directories (rustup
    under ``~/.rustup``, Go's module cache under ``~/go``).

    Docker sessions ignore it: the image holds the toolchain.
    """

    # Host directories the jail shows read-only (toolchain homes, download caches).
    paths: tuple[str, ...] = ()
    # Variables passed from the harness's environment into the session (none carries a secret).
    passenv: tuple[str, ...] = ()
    # Variables set in the session when the harness's environment does not set them: keep the
    # toolchain found once HOME moves to the session's private one.
    env: dict[str, str] = field(default_factory=dict)
    # Variables (of the session's environment) naming download caches: a session with the network
    # (a dependency step of trusted code) may write them, so that the offline run after it finds
    # what it downloaded.
    caches: tuple[str, ...] = ()
