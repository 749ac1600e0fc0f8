"""What the hostile-code tests observe from the host, outside every sandbox.

The sandbox's own report is not evidence that it contained something; these helpers look from the
outside: host processes (``/proc`` shows container processes too), files, and Docker's containers.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path


def processes_with(token: str) -> list[int]:
    """Host processes whose environment or command line contains ``token`` (this process excluded)."""
    needle, found = token.encode(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        for part in ("environ", "cmdline"):
            try:
                if needle in (entry / part).read_bytes():
                    found.append(int(entry.name))
                    break
            except OSError:  # gone already, or a kernel thread
                continue
    return found


def wait_gone(token: str, seconds: float = 5.0) -> list[int]:
    """Processes still carrying ``token`` after up to ``seconds`` (SIGKILL is asynchronous: a dying
    process may linger an instant); an empty list when none are left."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_with(token)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def tree_digest(root: Path) -> str:
    """A digest of every path, mode and content under ``root``: any change to the tree changes it."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        h.update(f"{path.relative_to(root)}\0{st.st_mode}\0".encode())
        if path.is_file() and not path.is_symlink():
            h.update(path.read_bytes())
    return h.hexdigest()


def container_state(container_id: str) -> tuple[bool, list[str]]:
    """(exists, processes not run by root) of a container, from the Docker daemon.  Commands run as
    the image's non-root user; root's are the container's own first processes."""
    from harness.sandbox import images

    found = images.client().containers.list(all=True, filters={"id": container_id})
    if not found:
        return False, []
    c = found[0]
    if c.status != "running":
        return True, []
    top = c.top()
    uid = top["Titles"].index("UID")
    return True, [" ".join(row) for row in top.get("Processes") or [] if row[uid] not in ("root", "0")]


def write_targets(name: str) -> tuple[Path, ...]:
    """Host places a hostile case tries to write ``name`` into: the real home and the shared scratch
    directories.  ``/root`` only under root (another user cannot even look there, and neither can the
    sandbox then)."""
    dirs = ("/root",) * (os.geteuid() == 0) + ("/dev/shm", "/var/tmp", Path.home() / ".cache", "/tmp")
    return tuple(Path(d) / name for d in dirs)
