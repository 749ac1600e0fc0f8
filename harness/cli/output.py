"""What every command prints to, and the exit codes they share."""

from __future__ import annotations

from rich.console import Console

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
EXIT_CODES_HELP = "Exit codes: 0 ok, 1 evaluated but failed, 2 usage error, 3 infrastructure error."

console = Console()
err = Console(stderr=True)
