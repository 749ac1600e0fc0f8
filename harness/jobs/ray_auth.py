"""Ray's token authentication (Ray 2.5x+), for drivers and nodes that join an existing cluster.

Since then, a local ``ray.init()`` writes a token to ``~/.ray/auth_token``, and a later
``ray start --head`` on that machine (``RAY_AUTH_MODE`` unset) finds it and turns token
authentication on.  A driver (``ray.init(address=...)``) or a node (``ray start --address=...``)
that names the address explicitly does not turn it on by itself: it presents no token and the
cluster refuses it ("Authentication token is missing or incorrect").  So before joining, Gauntlet
sets ``RAY_AUTH_MODE=token`` where a token is at hand (``RAY_AUTH_TOKEN``, the file
``RAY_AUTH_TOKEN_PATH`` names, or ``~/.ray/auth_token``): Ray then presents it, and a cluster
without authentication ignores it.  An explicit ``RAY_AUTH_MODE`` (``disabled``, ``token``) is
always respected.
"""

from __future__ import annotations

import os
from pathlib import Path


def token_source(environ=None) -> str | None:
    """Where Ray would read its token from, or None when there is none."""
    env = os.environ if environ is None else environ
    if env.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    path = env.get("RAY_AUTH_TOKEN_PATH")
    if path:
        return path if Path(path).expanduser().is_file() else None
    default = Path(env.get("HOME") or Path.home()) / ".ray" / "auth_token"
    return str(default) if default.is_file() else None


def auth_env(environ=None) -> dict[str, str]:
    """The variables a joining driver or node needs: ``{"RAY_AUTH_MODE": "token"}`` when a token is
    at hand and the mode is not set, else nothing."""
    env = os.environ if environ is None else environ
    if env.get("RAY_AUTH_MODE") or token_source(env) is None:
        return {}
    return {"RAY_AUTH_MODE": "token"}


def present_token() -> bool:
    """Make this process (a driver about to ``ray.init(address=...)``) present the token, if any;
    True when it will."""
    extra = auth_env()
    if not extra:
        return os.environ.get("RAY_AUTH_MODE", "").lower() == "token"
    os.environ.update(extra)
    try:
        from ray._raylet import Config
    except ImportError:  # no Ray, or one without token authentication
        return True
    Config.initialize("")  # Ray reads RAY_AUTH_MODE into its config once (its own token setup does the same)
    return True
