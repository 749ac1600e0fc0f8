"""The jail: what untrusted code sees of the host when it runs on the local backend or in the
solution executor.  One bubblewrap sandbox per session (or per executor worker), started once, with
a warm process inside it that runs every command, so the jail costs nothing per command.

Inside: new mount, PID, IPC, UTS and (unless the session asked for the network) network
namespaces; a root of read-only views of the system directories (``/usr``, ``/etc``, the ``/bin``
and ``/lib`` links) and of the toolchains the harness itself uses (its interpreter and
site-packages, the directories on its ``PATH``, editable source trees, the toolchain homes that the
plugins declare); the session's workspace and cache read-write; private tmpfs for ``/tmp``, ``/var/tmp``,
``/dev/shm`` and ``HOME``; a fresh ``/proc`` of its own PID namespace and a minimal ``/dev``.
Nothing else of the host: no ``/run`` (so no Docker or containerd socket), no ``/root`` or
``/home``, no ``/sys``.  bubblewrap sets ``no_new_privs`` and mounts every bind ``nosuid``.
When the harness runs as root, commands run as ``nobody`` (uid 65534); otherwise inside a user
namespace, as the harness's user, with no capabilities.

Why bubblewrap: Debian ships it, Flatpak depends on it, and it does exactly this (build a root
from binds and tmpfs in new namespaces, drop privileges) with a small audited C core.  nsjail does
more (seccomp policies, cgroups) but is not packaged; hand-written mount code would be the part
easiest to get wrong.  Where bubblewrap is missing or the kernel refuses its namespaces,
``check()`` raises ``JailUnavailable``: untrusted code does not run (``--unsafe-host`` opts out,
for trusted code only).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import site
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness import settings
from harness.sandbox.base import SandboxError

NOBODY = 65534  # the uid and gid commands run as when the harness is root
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_DIRS = ("/usr", "/etc")
# Files inside bound toolchain homes that hold credentials: hidden behind an empty file.
SECRETS = (".cargo/credentials", ".cargo/credentials.toml", ".npmrc", ".pypirc", ".netrc", ".git-credentials")
REMEDY = ("enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
          "user.max_user_namespaces > 0), run the harness as root, or use --backend docker; "
          "--unsafe-host runs without the jail (trusted code only)")


class JailUnavailable(SandboxError):
    """The jail cannot be built here, so untrusted code must not run: an infrastructure error."""


@dataclass(frozen=True)
class JailSpec:
    """One jail: paths bound read-write at their own host paths (workspace, cache), toolchain
    directories shown read-write instead of read-only (download caches, for a dependency step), the
    tmpfs that is ``HOME``, whether the network stays, and the size of each private tmpfs."""

    writable: tuple[str, ...] = ()
    writable_tools: tuple[str, ...] = ()
    home: str = "/home/sandbox"
    network: bool = False
    tmp_mb: int = 1024


def ids() -> tuple[int, int]:
    """The uid and gid that jailed code runs as (nobody when the harness is root)."""
    return (NOBODY, NOBODY) if os.geteuid() == 0 else (os.getuid(), os.getgid())


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _editable_sources() -> list[str]:
    """Source trees of editable installs (the harness and its plugins in a checkout): code run in
    the jail imports them through the interpreter's site-packages."""
    from importlib import metadata

    out = []
    for dist in metadata.distributions():
        try:
            info = json.loads(dist.read_text("direct_url.json") or "{}")
        except (OSError, ValueError):
            continue
        url = info.get("url", "")
        if info.get("dir_info", {}).get("editable") and url.startswith("file://"):
            out.append(url[len("file://"):])
    return out


@functools.cache
def toolchain_paths() -> tuple[str, ...]:
    """Host directories the jail shows read-only beyond the system ones: what the harness's own
    toolchains need (its interpreter's prefixes and site-packages, editable source trees, the
    directories on ``PATH``) and what the installed plugins declare (``gauntlet_toolchain``:
    rustup / cargo / Go homes ...).  A ``bin`` or ``shims`` directory on ``PATH`` brings its
    parent (rustup's proxies need ``~/.cargo``, pyenv's shims ``~/.pyenv``), but never a home
    directory itself.  ``GAUNTLET_JAIL_BIND`` (colon-separated) adds more."""
    from harness.plugins import get_plugin_manager

    home = str(Path.home())
    never = {"/", "/root", "/home", home, "/tmp", "/var", "/run"}
    found: list[str] = []
    for d in os.environ.get("PATH", "").split(":"):
        if not d or not os.path.isabs(d):
            continue
        d = os.path.realpath(d)
        parent = os.path.dirname(d)
        found.append(parent if os.path.basename(d) in ("bin", "sbin", "shims") and parent not in never else d)
    found += [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))]
    found += [*site.getsitepackages(), site.getusersitepackages()]  # not sys.path: it may hold the user's cwd
    found += _editable_sources()
    found += get_plugin_manager().toolchain().paths
    extra = settings.jail_bind()
    missing = [p for p in extra if not os.path.isdir(p)]
    if missing:
        raise JailUnavailable(f"GAUNTLET_JAIL_BIND names directories that do not exist: {', '.join(missing)}")
    found += extra
    out: list[str] = []
    for p in sorted({os.path.realpath(p) for p in found if p}, key=len):
        if p in never or not os.path.isdir(p) or _under(p, SYSTEM_DIRS) or _under(p, out):
            continue
        out.append(p)
    return tuple(out)


def _secret_masks(paths) -> list[str]:
    args = []
    for root in paths:
        for rel in SECRETS:
            for candidate in (os.path.join(root, rel), os.path.join(root, os.path.basename(rel))):
                if os.path.isfile(candidate) and not os.path.islink(candidate):
                    args += ["--ro-bind", "/dev/null", candidate]
    return args


def command(spec: JailSpec, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The ``bwrap`` command line that runs ``argv`` in a jail built from ``spec``."""
    root = os.geteuid() == 0
    out = ["bwrap", "--die-with-parent", "--new-session", "--as-pid-1", "--unshare-pid", "--unshare-ipc",
           "--unshare-uts", "--hostname", "gauntlet", "--unshare-cgroup-try"]
    if not spec.network:
        out.append("--unshare-net")
    if root:
        # Real root keeps its capabilities in bwrap; the agent inside needs only these: to start
        # each command as nobody (in a working directory that only nobody may enter), to hand
        # nobody its home, and to kill what a command left.
        out += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_KILL",
                "--cap-add", "CAP_CHOWN", "--cap-add", "CAP_DAC_OVERRIDE"]
    else:
        out += ["--unshare-user", "--disable-userns"]
    for d in SYSTEM_DIRS:
        out += ["--ro-bind", d, d]
    for link in SYSTEM_LINKS:
        if os.path.islink(link):
            out += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            out += ["--ro-bind", link, link]
    out += ["--proc", "/proc", "--dev", "/dev"]
    size = str(spec.tmp_mb << 20)
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        out += ["--perms", "1777", "--size", size, "--tmpfs", d]
    tools = toolchain_paths()
    # Directories above a bind are made in the jail's own root; open them for traversal (a
    # toolchain under root's 0700 home must still be reachable by nobody).
    made = {"/", "/tmp", "/var", "/var/tmp", "/dev", "/dev/shm", "/proc", spec.home}
    above = {str(a) for p in (*tools, *spec.writable, spec.home) for a in Path(p).parents} - made
    for d in sorted(above, key=len):
        if not _under(d, SYSTEM_DIRS) and not _under(d, tools) and not _under(d, [*SYSTEM_LINKS, "/proc", "/dev"]):
            out += ["--perms", "0755", "--dir", d]
    for p in tools:
        out += ["--ro-bind", p, p]
    for p in spec.writable_tools:
        if os.path.isdir(p):
            out += ["--bind", p, p]
    out += ["--perms", "0700", "--size", size, "--tmpfs", spec.home]
    for p in spec.writable:
        out += ["--bind", p, p]
    out += _secret_masks(tools)
    out += ["--chdir", "/", "--clearenv"]
    for k, v in (env or {}).items():
        out += ["--setenv", k, v]
    return out + ["--", *argv]


_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _forget_spawner() -> None:
    """A forked child (a process pool of the caller's) gets its own spawner: the parent's thread
    does not exist there."""
    global _spawner, _spawner_lock
    _spawner, _spawner_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_spawner)


def spawn(argv: list[str], **popen) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen)`` from one thread that lives as long as the process.

    bubblewrap's ``--die-with-parent`` is ``PR_SET_PDEATHSIG``, which the kernel fires when the
    *thread* that forked the jail exits, not the process: a jail started from a pool thread would
    die with that thread while its session or worker is still in use."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(1, thread_name_prefix="gauntlet-jail-spawner")
    return _spawner.submit(subprocess.Popen, argv, **popen).result()


@functools.cache
def check() -> str:
    """Build one jail and run ``true`` in it; the bwrap version when it works, else
    ``JailUnavailable`` naming the cause and the remedy."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise JailUnavailable("cannot jail untrusted code: bubblewrap is not installed "
                              "(Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap); "
                              "or use --backend docker; --unsafe-host runs without the jail (trusted code only)")
    try:
        done = subprocess.run(command(JailSpec(), ["/bin/true"]), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        raise JailUnavailable(f"cannot start the jail ({e}): {REMEDY}") from e
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"bwrap exited {done.returncode}"
        raise JailUnavailable(f"the kernel refused the jail's namespaces ({why}): {REMEDY}")
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.split()
    return version[-1] if version else "unknown"


def give(path: str | Path, recursive: bool = False) -> None:
    """Make ``path`` the jailed user's (a no-op unless the harness is root): the workspace copy,
    files written by the harness, cache directories."""
    if os.geteuid() != 0:
        return
    uid, gid = ids()
    os.lchown(path, uid, gid)
    if recursive:
        for top, dirs, files in os.walk(path):
            for name in dirs + files:
                os.lchown(os.path.join(top, name), uid, gid)
