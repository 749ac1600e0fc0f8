"""``gauntlet images``: the Docker backend's language images."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from harness.cli.output import console
from harness.errors import UsageError

images_app = typer.Typer(help="Language images for the Docker backend: build, list, bootstrap, prune.", no_args_is_help=True)


@images_app.command("list")
def list_() -> None:
    """Images Gauntlet built (label gauntlet=1), with their language and base image."""
    from harness.sandbox import images

    rows = images.list_images()
    t = Table("tag", "id", "language", "base", "MB", "created")
    for r in rows:
        t.add_row(", ".join(r["tags"]) or "-", r["id"], r["language"], r["base"], str(r["size_mb"]), r["created"])
    console.print(t)


@images_app.command(epilog="Example: gauntlet images build python --base-image gauntlet-base:trixie")
def build(
    language: Optional[list[str]] = typer.Argument(None, help="Languages to build (default: every installed plugin)."),
    base_image: Optional[str] = typer.Option(None, "--base-image", help="Base image instead of the official one (no registry)."),
    rebuild: bool = typer.Option(False, help="Build even when an image with the same content hash exists."),
) -> None:
    """Build each plugin's language image once; the tag is a hash of its content and base."""
    from harness.plugins import get_plugin_manager
    from harness.sandbox import images

    pm = get_plugin_manager()
    langs = language or sorted(pm.languages())
    for lang in langs:
        spec = pm.for_language(lang).gauntlet_image(language=lang)  # UnknownLanguage: a usage error
        if spec is None:
            raise UsageError(f"no installed plugin gives an image for {lang!r}")
        with console.status(f"building {lang}") as status:
            tag = images.build(spec, base_image=base_image, rebuild=rebuild,
                               progress=lambda line, lang=lang: status.update(f"{lang}: {line}"))
        console.print(f"{lang}: {tag}")


@images_app.command()
def bootstrap(name: Optional[str] = typer.Option(None, help="Name of the image to create [default: gauntlet-base:SUITE]."),
              suite: str = typer.Option("trixie", help="Debian suite: trixie (cargo 1.85, Go 1.24, Node 20, "
                                        "Python 3.13) or bookworm (older toolchains: cargo 1.63, Go 1.19).")) -> None:
    """Make a Debian base image without any registry (debootstrap + docker import; needs root, a few minutes)."""
    from harness.sandbox import images

    with console.status("bootstrapping") as status:
        name = images.bootstrap(name, suite, progress=status.update)
    console.print(f"created {name}; use it with --base-image {name} or GAUNTLET_BASE_IMAGE={name}")


@images_app.command()
def prune(images_too: bool = typer.Option(False, "--images", help="Also remove Gauntlet's images.")) -> None:
    """Remove stray Gauntlet containers (label gauntlet=1), and with --images its images."""
    from harness.sandbox import images

    containers, removed = images.prune(images_too)
    console.print(f"removed {containers} container(s), {removed} image(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(images_app, name="images")
