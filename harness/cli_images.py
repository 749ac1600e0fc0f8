"""``gauntlet images``: the Docker backend's language images."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

images_app = typer.Typer(help="Language images for the Docker backend: build, list, bootstrap, prune.", no_args_is_help=True)


def _infra(e: Exception) -> None:
    from harness.cli import EXIT_INFRA, err

    err.print(f"[red]infrastructure error:[/red] {e}")
    raise typer.Exit(EXIT_INFRA) from e


@images_app.command("list")
def list_() -> None:
    """Images Gauntlet built (label gauntlet=1), with their language and base image."""
    from harness.cli import console
    from harness.sandbox import SandboxError, images

    try:
        rows = images.list_images()
    except SandboxError as e:
        _infra(e)
    t = Table("tag", "id", "language", "base", "MB", "created")
    for r in rows:
        t.add_row(", ".join(r["tags"]) or "-", r["id"], r["language"], r["base"], str(r["size_mb"]), r["created"])
    console.print(t)


@images_app.command(epilog="Example: gauntlet images build python --base-image gauntlet-base:bookworm")
def build(
    language: Optional[list[str]] = typer.Argument(None, help="Languages to build (default: every installed plugin)."),
    base_image: Optional[str] = typer.Option(None, "--base-image", help="Base image instead of the official one (no registry)."),
    rebuild: bool = typer.Option(False, help="Build even when an image with the same content hash exists."),
) -> None:
    """Build each plugin's language image once; the tag is a hash of its content and base."""
    from harness.cli import console, fail_usage
    from harness.plugins import UnknownLanguage, get_plugin_manager
    from harness.sandbox import SandboxError, images

    pm = get_plugin_manager()
    langs = language or sorted(pm.languages())
    for lang in langs:
        try:
            spec = pm.for_language(lang).gauntlet_image(language=lang)
        except UnknownLanguage as e:
            fail_usage(str(e))
        if spec is None:
            fail_usage(f"no installed plugin gives an image for {lang!r}")
        with console.status(f"building {lang}") as status:
            try:
                tag = images.build(spec, base_image=base_image, rebuild=rebuild,
                                   progress=lambda line, lang=lang: status.update(f"{lang}: {line}"))
            except SandboxError as e:
                _infra(e)
        console.print(f"{lang}: {tag}")


@images_app.command()
def bootstrap(name: str = typer.Option("gauntlet-base:bookworm", help="Name of the image to create."),
              suite: str = typer.Option("bookworm", help="Debian suite.")) -> None:
    """Make a Debian base image without any registry (debootstrap + docker import; needs root)."""
    from harness.cli import console
    from harness.sandbox import SandboxError, images

    try:
        with console.status("bootstrapping") as status:
            images.bootstrap(name, suite, progress=status.update)
    except SandboxError as e:
        _infra(e)
    console.print(f"created {name}; use it with --base-image {name} or GAUNTLET_BASE_IMAGE={name}")


@images_app.command()
def prune(images_too: bool = typer.Option(False, "--images", help="Also remove Gauntlet's images.")) -> None:
    """Remove stray Gauntlet containers (label gauntlet=1), and with --images its images."""
    from harness.cli import console
    from harness.sandbox import SandboxError, images

    try:
        containers, removed = images.prune(images_too)
    except SandboxError as e:
        _infra(e)
    console.print(f"removed {containers} container(s), {removed} image(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(images_app, name="images")
