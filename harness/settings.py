"""Every ``GAUNTLET_*`` environment variable Gauntlet reads, in one place.

Each setting is one ``Setting`` in ``SETTINGS`` (name, type, default, audience, a one-line meaning)
and is read through one function of this module, at call time: tests change the environment as they
go, and a CLI option that must reach worker processes (``--unsafe-host``) sets its variable with
``export``.  Shipped code reads no ``GAUNTLET_*`` variable anywhere else
(``tests/test_settings.py`` checks it).  ``python -m harness.settings`` prints the Markdown of
``docs/settings.md``.

``PROVIDED`` lists the variables Gauntlet sets for the programs it runs; it never reads them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

USERS = "users"
PLUGIN_AUTHORS = "plugin authors"
DEBUGGING = "benchmarks / debugging"
AUDIENCES = (USERS, PLUGIN_AUTHORS, DEBUGGING)

DEFAULT_CA = "/etc/ssl/certs/ca-certificates.crt"


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # the value's form, in words
    default: str  # what applies while it is unset, in words
    audience: str  # one of AUDIENCES
    doc: str  # one line
    forwarded: bool = False  # travels with every Ray job, so that each node means the same as the driver


SETTINGS: tuple[Setting, ...] = (
    Setting("GAUNTLET_CACHE_DIR", "path", "`~/.cache/gauntlet`", USERS,
            "Where the local backend keeps its persistent per-workspace caches (build outputs, package downloads)."),
    Setting("GAUNTLET_PLUGINS", "names, comma-separated", "every installed plugin", USERS,
            "Load only these plugins (entry-point names), e.g. `python,rust`; set but empty loads none."),
    Setting("GAUNTLET_DISABLE_PLUGINS", "names, comma-separated", "none", USERS,
            "Skip these plugins, e.g. `go`."),
    Setting("GAUNTLET_PASSENV", "names, comma-separated", "none", USERS,
            "Host variables passed into the local backend's commands beyond its fixed list (`PATH`, `LANG`, ...) "
            "and the toolchain variables the plugins declare."),
    Setting("GAUNTLET_JAIL_BIND", "directories, colon-separated", "none", USERS,
            "More host directories shown read-only in the local jail (toolchains in unusual places); each must exist."),
    Setting("GAUNTLET_UNSAFE_HOST", "flag", "off; any value but empty or `0` turns it on", USERS,
            "Run the local backend and the solution executor without their jail (trusted code only); `--unsafe-host` sets it."),
    Setting("GAUNTLET_BASE_IMAGE", "image name", "each plugin's base image", USERS,
            "Replaces the base of every language image, e.g. `gauntlet-base:trixie` from `gauntlet images bootstrap`.",
            forwarded=True),
    Setting("GAUNTLET_IMAGE_REGISTRY", "registry (`host[:port][/prefix]`)", "none: images are built locally", USERS,
            "A missing language image is first pulled from here as `REG/<tag>`; `--image-registry` overrides it per command.",
            forwarded=True),
    Setting("GAUNTLET_CA_BUNDLE", "path", f"`{DEFAULT_CA}`", USERS,
            "CA bundle put into image builds for package installs (left out when the file does not exist)."),
    Setting("GAUNTLET_DOCKER_POOL", "integer", "`4`", USERS,
            "Idle containers the Docker backend keeps for reuse per kind (same image, user, limits, network, cache); "
            "`0` turns reuse off."),
    Setting("GAUNTLET_DOCKER_POOL_TOTAL", "integer", "`16`", USERS,
            "Idle containers kept in all; past it the one idle the longest is removed."),
    Setting("GAUNTLET_RUNNER", "`local` or `ray`", "`local`", USERS,
            "The job runner of the default reward engine (TRL / verl adapters): threads here, or tasks on Ray."),
    Setting("GAUNTLET_EXECUTOR", "`local` or `ray`", "none", USERS,
            "Deprecated old name of `GAUNTLET_RUNNER`, read (with a warning) when that is not set."),
    Setting("GAUNTLET_RAY_ADDRESS", "Ray address", "the cluster already joined, else `$RAY_ADDRESS`, else a new local Ray", USERS,
            "The Ray cluster for `GAUNTLET_RUNNER=ray`."),
    Setting("GAUNTLET_ENV_URL", "URL", "`http://127.0.0.1:8100`", USERS,
            "The `gauntlet serve-env` server that the agent-environment clients talk to when not given one: "
            "OpenRLHF's agent function file (`--train.agent_func_path`) and the verifiers 0.4 taskset."),
    Setting("GAUNTLET_ENV_FEEDBACK", "text with `{text}`", "`<tool_response>` tags around the observation", USERS,
            "How OpenRLHF's agent function wraps each observation before it is appended to the rollout."),
    Setting("GAUNTLET_TRACE", "flag", "off; any non-empty value turns it on", PLUGIN_AUTHORS,
            "Print every plugin hook call and its result to stderr."),
    Setting("GAUNTLET_DOCKER_AGENT", "flag", "on; `0` turns it off", DEBUGGING,
            "Off: the Docker backend runs commands through `docker exec` instead of its in-container agent."),
    Setting("GAUNTLET_PYTHON_WARM", "flag", "on; `0` turns it off", DEBUGGING,
            "Off: the Python plugin's batched mutant validation takes the cold path (a pytest run per candidate) for all."),
    Setting("GAUNTLET_RUST_SCHEMATA", "flag", "on; `0` turns it off", DEBUGGING,
            "Off: the Rust plugin builds each mutant on its own instead of one schemata build per batch."),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Set by Gauntlet for the programs it runs (never read by Gauntlet): name -> meaning.
PROVIDED: dict[str, str] = {
    "GAUNTLET_SANDBOX": "`local` in every command the local backend runs.",
    "GAUNTLET_MUTANT": "In the Rust plugin's schemata test runs: which variant of the batch the code takes "
                       "(1, 2, ...; unset or `0`: the clean code).",
}


def _raw(name: str) -> str | None:
    if name not in BY_NAME:
        raise KeyError(f"{name} is not a Gauntlet setting (see harness/settings.py)")
    return os.environ.get(name)


_warned: set[str] = set()


def deprecated(old: str, new: str) -> None:
    """One line on stderr, once per process, for an old name still accepted (users' scripts)."""
    if old not in _warned:
        _warned.add(old)
        sys.stderr.write(f"gauntlet: warning: {old} is deprecated; use {new}\n")


def _names(name: str) -> set[str] | None:
    value = _raw(name)
    return None if value is None else {v.strip() for v in value.split(",") if v.strip()}


def _int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def _on_unless_zero(name: str) -> bool:
    return _raw(name) != "0"


# -- users ---------------------------------------------------------------------------------------
def cache_dir() -> Path:
    return Path(_raw("GAUNTLET_CACHE_DIR") or Path.home() / ".cache" / "gauntlet")


def only_plugins() -> set[str] | None:
    """None: no selection (load every plugin)."""
    return _names("GAUNTLET_PLUGINS")


def disabled_plugins() -> set[str]:
    return _names("GAUNTLET_DISABLE_PLUGINS") or set()


def passenv() -> list[str]:
    return [n for n in (_raw("GAUNTLET_PASSENV") or "").split(",") if n]


def jail_bind() -> list[str]:
    return [p for p in (_raw("GAUNTLET_JAIL_BIND") or "").split(":") if p]


def unsafe_host() -> bool:
    return (_raw("GAUNTLET_UNSAFE_HOST") or "") not in ("", "0")


def base_image() -> str | None:
    return _raw("GAUNTLET_BASE_IMAGE") or None


def image_registry() -> str | None:
    return _raw("GAUNTLET_IMAGE_REGISTRY") or None


def ca_bundle() -> Path:
    return Path(_raw("GAUNTLET_CA_BUNDLE") or DEFAULT_CA)


def docker_pool() -> int:
    return _int("GAUNTLET_DOCKER_POOL", 4)


def docker_pool_total() -> int:
    return _int("GAUNTLET_DOCKER_POOL_TOTAL", 16)


def runner() -> str:
    value = _raw("GAUNTLET_RUNNER")
    if value is None:
        value = _raw("GAUNTLET_EXECUTOR")
        if value is not None:
            deprecated("GAUNTLET_EXECUTOR", "GAUNTLET_RUNNER")
    return "local" if value is None else value


def ray_address() -> str | None:
    return _raw("GAUNTLET_RAY_ADDRESS")


def env_url() -> str:
    return _raw("GAUNTLET_ENV_URL") or "http://127.0.0.1:8100"


def env_feedback() -> str:
    return _raw("GAUNTLET_ENV_FEEDBACK") or "\n<tool_response>\n{text}\n</tool_response>\n"


# -- plugin authors ------------------------------------------------------------------------------
def trace() -> bool:
    return bool(_raw("GAUNTLET_TRACE"))


# -- benchmarks / debugging ----------------------------------------------------------------------
def docker_agent() -> bool:
    return _on_unless_zero("GAUNTLET_DOCKER_AGENT")


def python_warm() -> bool:
    return _on_unless_zero("GAUNTLET_PYTHON_WARM")


def rust_schemata() -> bool:
    return _on_unless_zero("GAUNTLET_RUST_SCHEMATA")


# -- setting and forwarding ----------------------------------------------------------------------
def export(name: str, value: str) -> None:
    """Set a setting for this process and every process it starts (CLI options do this)."""
    if name not in BY_NAME:
        raise KeyError(f"{name} is not a Gauntlet setting (see harness/settings.py)")
    os.environ[name] = value


def forwarded() -> dict[str, str]:
    """The settings that travel with each Ray job (those set to a non-empty value here)."""
    return {s.name: value for s in SETTINGS if s.forwarded and (value := _raw(s.name))}


# -- documentation -------------------------------------------------------------------------------
def markdown() -> str:
    """The text of docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated by `python -m harness.settings > docs/settings.md`; edit harness/settings.py instead. -->",
        "",
        "Every `GAUNTLET_*` environment variable Gauntlet reads. Each is read when it is used, so a",
        "change applies to the next call; worker processes inherit them. Those marked *(forwarded)*",
        "travel with every Ray job, so the nodes need no settings of their own.",
    ]
    for audience in AUDIENCES:
        lines += ["", f"## For {audience}", "", "| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
        for s in SETTINGS:
            if s.audience == audience:
                doc = s.doc + (" *(forwarded)*" if s.forwarded else "")
                lines.append(f"| `{s.name}` | {s.kind} | {s.default} | {doc} |")
    lines += ["", "## Set for the programs Gauntlet runs", "",
              "Gauntlet sets these in the environment of the commands it runs; it does not read them.", "",
              "| variable | meaning |", "| --- | --- |"]
    lines += [f"| `{name}` | {doc} |" for name, doc in PROVIDED.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
