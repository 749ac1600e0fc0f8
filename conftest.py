"""Loads harness.testing's pytest plugin for this repository's tests where its ``pytest11`` entry
point is not installed (or pytest's plugin autoload is off); registering it twice would be an error."""

import os
from importlib.metadata import entry_points

PLUGIN = "harness.testing.plugin"

_autoloaded = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and any(
    ep.value == PLUGIN for ep in entry_points(group="pytest11"))
pytest_plugins = [] if _autoloaded else [PLUGIN]
