"""Dependencies: ``npm ci`` (or ``npm install``) with a persistent npm cache, and node_modules reused.

Dependencies are fetched before the model's patch: ``gauntlet check`` asks ``content_key`` (the
``gauntlet_dependencies`` hook) for a key of package.json's dependency fields and the lock file,
opens a session with network on the unpatched package under that cache key and runs ``prepare``
there; the evaluation session, under the same key and without network, then finds the package's
node_modules in the cache.  A patched package.json never runs ``npm`` with network, and a fresh copy
of the package at another path is a cache hit.

Two caches, both in ``session.cache_dir`` (they only speed things up; an empty one gives the same
outcome):

- ``npm``: npm's own content-addressed cache (``npm_config_cache``).  With the network it is
  filled as a side effect; without it ``npm ci --offline`` installs from it alone.
- ``node_modules``: one finished ``node_modules`` tree per key, where the key is the sha256 of the
  lockfile bytes, package.json's dependency fields, and node's version / platform / arch.  After an
  install the tree is copied to ``<cache>/<key>/node_modules`` (copied to a temporary name, then
  renamed, so a half-written entry is never used); a later session with the same key skips npm
  and copies the tree back (``cp -a``: a copy, not a link, so what tests write into node_modules
  never leaks into the cache).  Packages without a lockfile are not kept: their install is not
  determined by a file we can hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass, field

from gauntlet_typescript.project import DEP_FIELDS, Package
from harness.outcome import Diagnostic
from harness.sandbox.base import SandboxError

MARKER = "node_modules/.gauntlet-deps"

# Under the ``harness`` logger, whose INFO lines the CLI prints on stderr.
log = logging.getLogger("harness.plugin.typescript")


@dataclass
class Install:
    ok: bool
    how: str  # "none" | "cached" | "npm ci" | "npm install" | "already"
    log: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)


def npm_env(session) -> dict[str, str]:
    """Quiet, non-interactive npm with its cache in the session's persistent cache dir."""
    env = {
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_progress": "false",
        "npm_config_color": "false",
        "NO_COLOR": "1",
        "CI": "true",
    }
    cache = session.cache_dir("npm")
    if cache:
        env["npm_config_cache"] = cache
    return env


def _has_dependencies(pkg: Package) -> bool:
    return any(isinstance(pkg.manifest.get(f), dict) and pkg.manifest[f] for f in DEP_FIELDS)


def content_key(pkg: Package | None) -> str | None:
    """The key of what the package depends on (package.json's dependency fields and the lock
    file's bytes), naming the caches; None when it has no dependencies or an unreadable manifest."""
    if pkg is None or pkg.manifest_error or not _has_dependencies(pkg):
        return None
    h = hashlib.sha256(pkg.lock_bytes)
    h.update(json.dumps({f: pkg.manifest.get(f) for f in DEP_FIELDS}, sort_keys=True).encode())
    return h.hexdigest()[:16]


def prepare(session, pkg: Package) -> Install:
    """Fill the caches for the unpatched package in a session with network (``gauntlet_prepare``):
    nothing to do when its node_modules is already stored."""
    if not _has_dependencies(pkg):
        return Install(True, "none")
    key = _key(session, pkg)
    store = session.cache_dir("node_modules") if key else None
    if store and session.exec(["test", "-d", f"{store}/{key}/node_modules"], timeout=60).exit_code == 0:
        return Install(True, "cached")
    log.info("typescript: installing the package's npm dependencies from the registry, before the patch is "
             "applied (first time for this package.json and lock file; later checks reuse them offline)")
    install = ensure_dependencies(session, pkg)
    if not install.ok:
        raise SandboxError("npm could not install the unpatched package's dependencies: "
                           + "; ".join(d.message for d in install.diagnostics)[:1500])
    return install


def _key(session, pkg: Package) -> str | None:
    if not pkg.lockfile:
        return None
    node = session.exec(["node", "-p", "process.versions.node+' '+process.platform+' '+process.arch"], timeout=60)
    if node.exit_code != 0:
        raise SandboxError(f"node is not installed in the sandbox: {node.stderr.strip()[:200]}")
    h = hashlib.sha256(pkg.lock_bytes)
    h.update(json.dumps({f: pkg.manifest.get(f) for f in DEP_FIELDS}, sort_keys=True).encode())
    h.update(node.stdout.strip().encode())
    return h.hexdigest()[:24]


def _installed_key(session) -> str | None:
    try:
        return session.read_file(MARKER).decode().strip()
    except (FileNotFoundError, ValueError, OSError):
        return None


def ensure_dependencies(session, pkg: Package) -> Install:
    """Make node_modules match the package: from the node_modules cache, else through npm.

    Raises ``SandboxError`` (an infrastructure error, not the model's) when npm needs the network
    and the session has none and the cache lacks a package.
    """
    if not _has_dependencies(pkg):
        return Install(True, "none")
    key = _key(session, pkg) or "nolock"
    if _installed_key(session) == key:
        return Install(True, "already")
    store = session.cache_dir("node_modules") if key != "nolock" else None
    env = npm_env(session)
    if store:
        entry = f"{store}/{key}/node_modules"
        restore = session.exec(
            ["sh", "-c", 'test -d "$1" || exit 3; rm -rf node_modules && cp -a "$1" node_modules', "restore", entry],
            timeout=600,
        )
        if restore.exit_code == 0:
            return Install(True, "cached")
        if _changed_by_patch(session, store, key):
            return Install(False, "none", diagnostics=[Diagnostic(
                "the patch changes the package's dependencies (package.json or the lock file): the evaluation is "
                "offline and has only what the unpatched package declared", file="package.json")])
    install = _npm_install(session, pkg, env)
    if not install.ok:
        return install
    session.write_file(MARKER, key)
    if store:
        tmp = f"{store}/.tmp-{uuid.uuid4().hex[:8]}"
        session.exec(
            ["sh", "-c", 'mkdir -p "$1" && cp -a node_modules "$1/node_modules" && mv -T "$1" "$2" || rm -rf "$1"',
             "save", tmp, f"{store}/{key}"],
            timeout=600,
        )
    return install


def _changed_by_patch(session, store: str, key: str) -> bool:
    """Offline, with the content-keyed store holding the unpatched package's dependencies but not
    these: the model's patch changed what the package depends on.  That is the code's failure (a
    build failure), not the harness's: an infrastructure error would give such a patch no reward
    at all, and so a way out of every penalty."""
    if session.network:
        return False
    listing = session.exec(["sh", "-c", 'ls -1 "$1" 2>/dev/null || true', "ls", store], timeout=60)
    prepared = [e for e in listing.stdout.split() if not e.startswith(".tmp-")]
    return bool(prepared) and key not in prepared


def _npm_install(session, pkg: Package, env: dict[str, str]) -> Install:
    offline = [] if session.network else ["--offline"]
    common = ["--no-audit", "--no-fund", *offline]
    log = ""
    if pkg.lockfile and pkg.lock is not None and pkg.lock_in_sync():
        ci = session.exec(["npm", "ci", *common], env=env, timeout=session.limits.timeout)
        log += ci.output
        if ci.exit_code == 0:
            return Install(True, "npm ci", log)
        _raise_if_offline(session, ci.output)
        # EUSAGE: npm judged the lock out of step (npm 11 also does so for a lock without other
        # platforms' optional packages); anything else is a real install failure.
        if "EUSAGE" not in ci.output:
            return Install(False, "npm ci", log, _npm_diagnostics(ci.output, "npm ci"))
    res = session.exec(["npm", "install", *common], env=env, timeout=session.limits.timeout)
    log += res.output
    if res.exit_code == 0:
        return Install(True, "npm install", log)
    _raise_if_offline(session, res.output)
    return Install(False, "npm install", log, _npm_diagnostics(res.output, "npm install"))


_OFFLINE = re.compile(r"ENOTCACHED|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ENETUNREACH|only-if-cached")


def _raise_if_offline(session, output: str) -> None:
    if session.network or not _OFFLINE.search(output):
        return
    urls = re.findall(r"request to (\S+) failed", output)
    what = f" (missing: {urls[0]})" if urls else ""
    raise SandboxError(
        "npm needs packages that are not in the npm cache and the sandbox has no network"
        f"{what}: `gauntlet check` fetches the unpatched package's dependencies before the patch unless "
        "--offline is given (run it once without --offline)"
    )


def _npm_diagnostics(output: str, step: str) -> list[Diagnostic]:
    code = re.search(r"npm (?:error|ERR!) code (\S+)", output)
    lines = [ln.split(" ", 2)[-1] for ln in output.splitlines() if re.match(r"npm (error|ERR!) ", ln)]
    msg = "\n".join(ln for ln in lines if not ln.startswith(("code ", "A complete log")))[:2000]
    return [Diagnostic(f"{step} failed: {msg.strip() or output.strip()[-2000:]}", file="package.json",
                       code=code.group(1) if code else None)]
