"""``gauntlet leaderboard``: build a static leaderboard site from run directories, serve it on loopback.

Registered into the ``gauntlet`` command through the ``gauntlet.cli`` entry point group (see
pyproject.toml), as the trainers' commands are: the core never imports this package.  Errors are
``harness.errors`` kinds, which the ``gauntlet`` command turns into its exit codes.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from harness.errors import UsageError

app = typer.Typer(help="Leaderboards from run directories: leaderboard.json, leaderboard.md and a static site.",
                  no_args_is_help=True, add_completion=False)
console = Console()


@app.command()
def build(
    runs: List[str] = typer.Argument(..., help="Run directories, folders of them, or MODEL=DIR to name the model."),
    out: Path = typer.Option(Path("site"), "--out", "-o", help="Output folder for the site."),
    models: Optional[Path] = typer.Option(None, "--models", help="Model metadata JSON: [{name, size, release_date, link}]."),
) -> None:
    """Build the site (index.html works from file://), leaderboard.json and leaderboard.md.

    Example:

      gauntlet leaderboard build runs/humaneval/* runs/livecodebench/* -o site/ --models models.json
    """
    from leaderboards.build import build_site

    try:
        data = build_site(runs, out, models)
    except UsageError:  # RunError
        raise
    except (ValueError, OSError) as e:  # unreadable or malformed input too
        raise UsageError(str(e)) from e
    for b in data["boards"]:
        console.print(f"[bold]{b['title']}[/bold] ({b['dataset_fingerprint']}): "
                      + ", ".join(f"{r['rank']}. {r['model']} {100 * r['score']:.1f}%" for r in b["rows"]))
    console.print(f"site: {out / 'index.html'}")


@app.command()
def serve(
    directory: Path = typer.Argument(Path("site"), help="A built site."),
    port: int = typer.Option(8000, "--port", "-p", help="Port on 127.0.0.1 (0: any free one)."),
) -> None:
    """Serve a built site on 127.0.0.1 only (never on other interfaces)."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    if not (directory / "index.html").is_file():
        raise UsageError(f"{directory}: no index.html (run `gauntlet leaderboard build` first)")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        console.print(f"serving {directory} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)", highlight=False)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="leaderboard")
