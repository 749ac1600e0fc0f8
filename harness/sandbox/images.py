"""Language images for the Docker backend: build once per content hash, list, prune, bootstrap.

An image's tag is ``gauntlet/<language>:<hash>`` where the hash covers the plugin's Dockerfile
text, build args, extra context files and the base image, so a changed spec builds a new image
and an unchanged one is reused.  ``GAUNTLET_BASE_IMAGE`` replaces every spec's base image (users
without a registry; this project's CI), and the host's CA bundle goes into the build context as
``ca-certificates.crt`` (``GAUNTLET_CA_BUNDLE`` or the system bundle) for package installs.

Images are made where they are used (each node of a Ray cluster builds its own; no shared file
system).  With a registry (``--image-registry REG`` or ``GAUNTLET_IMAGE_REGISTRY``), a missing
image is first pulled as ``REG/<tag>`` and tagged ``<tag>``; only when that fails is it built, and
with ``push`` (``--push-images``) the build is pushed there for the other nodes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from harness import settings
from harness.language import ImageSpec
from harness.sandbox.base import SandboxError

log = logging.getLogger(__name__)  # the CLI shows this package's INFO messages on stderr
LABEL = "gauntlet"
SANDBOX_LABEL = "gauntlet.sandbox"  # containers that run code (sessions, executor workers)
OWNER_LABEL = "gauntlet.owner"  # host:pid of the harness process that made it
# Cache volumes (``gauntlet-cache-<key>``); those keyed by a workspace's path also name the workspace
# (host:path): once it is gone nobody can reuse the volume, and ``prune`` removes it.
CACHE_LABEL = "gauntlet.cache"
CACHE_WORKSPACE_LABEL = "gauntlet.cache.workspace"
CA_NAME = "ca-certificates.crt"
BOOTSTRAP_SUITE = "trixie"  # Debian 13: cargo 1.85 (sparse index, edition 2024), Go 1.24, Node 20, Python 3.13
BOOTSTRAP_NAME = f"gauntlet-base:{BOOTSTRAP_SUITE}"


_client = None
_built: set[str] = set()  # tags known to exist, so that opening a session costs no image look-up
obtained: dict[str, str] = {}  # tag -> how this process got it: "present", "pulled" (from REG) or "built"


def client():
    """A docker client (one per process once the daemon answered), or a SandboxError that says what to do."""
    global _client
    if _client is not None:
        return _client
    try:
        import docker
        from docker.errors import DockerException
    except ImportError as e:
        raise SandboxError("the Docker backend needs the docker SDK: pip install 'gauntlet-harness[docker]'") from e
    try:
        c = docker.from_env(timeout=600)
        c.ping()
        _client = c
        return c
    except DockerException as e:
        text = str(e)
        if "Permission denied" in text:
            raise SandboxError("permission denied on the Docker socket: add your user to the 'docker' group "
                               "or run as root") from e
        if "No such file" in text or "Connection refused" in text or "Connection aborted" in text:
            raise SandboxError("the Docker daemon is not running (start it: 'sudo dockerd &' or "
                               "'systemctl start docker'); install it with 'apt-get install docker.io'") from e
        raise SandboxError(f"cannot reach the Docker daemon: {text}") from e


def base_image_for(spec: ImageSpec, override: str | None = None) -> str:
    return override or settings.base_image() or spec.base_image


def _available_base(spec: ImageSpec, override: str | None, progress: Callable[[str], None] | None) -> str:
    """The base to build on: the one asked for (``override``, ``GAUNTLET_BASE_IMAGE``) as it is;
    else the plugin's official base, unless it is neither here nor pullable (no registry) while a
    bootstrapped base is here (trixie preferred, else bookworm): then that one, and the user is told."""
    base = base_image_for(spec, override)
    if override or settings.base_image() or exists(base):
        return base
    bootstrapped = next((name for name in (BOOTSTRAP_NAME, "gauntlet-base:bookworm") if exists(name)), None)
    if bootstrapped is None:
        return base
    from docker.errors import APIError

    try:
        client().images.pull(base)
        return base
    except APIError as e:
        why = str(e.explanation or e).splitlines()[0][:200]
        message = (f"the official base image {base} is not here and cannot be pulled ({why}); building on the "
                   f"bootstrapped {bootstrapped} instead (--base-image or GAUNTLET_BASE_IMAGE choose another)")
        (progress or log.warning)(message)
        return bootstrapped


def ca_bundle() -> Path | None:
    path = settings.ca_bundle()
    return path if path.is_file() else None


def tag_for(spec: ImageSpec, base: str) -> str:
    h = hashlib.sha256(json.dumps([spec.dockerfile, spec.build_args, spec.files, base], sort_keys=True).encode())
    return f"gauntlet/{spec.language}:{h.hexdigest()[:12]}"


def exists(name: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client().images.get(name)
        return True
    except ImageNotFound:
        return False


def digest(name: str) -> str:
    """What a manifest records for an image: its registry digest when it has one, else its local id."""
    img = client().images.get(name)
    return (img.attrs.get("RepoDigests") or [img.id])[0]


def ensure_present(name: str, pull: bool = True) -> None:
    from docker.errors import APIError, ImageNotFound

    c = client()
    try:
        c.images.get(name)
        return
    except ImageNotFound:
        pass
    if not pull:
        raise SandboxError(f"image {name} is not present and pulling is off")
    try:
        c.images.pull(name)
    except APIError as e:
        raise SandboxError(f"image {name} is not present and cannot be pulled ({e.explanation or e}); "
                           "build it locally, or use own-environment mode (--mode own)") from e


def _build(context: Path, tag: str, buildargs: dict[str, str], labels: dict[str, str],
           progress: Callable[[str], None] | None) -> str:
    from docker.errors import APIError, BuildError

    c = client()
    log: list[str] = []
    try:
        for chunk in c.api.build(path=str(context), tag=tag, buildargs=buildargs, labels=labels, rm=True,
                                 forcerm=True, decode=True, network_mode="host"):
            if "stream" in chunk:
                line = chunk["stream"].rstrip()
                if line:
                    log.append(line)
                    if progress and line.startswith("Step "):
                        progress(line)
            if "error" in chunk:
                tail = "\n".join(log[-25:])
                detail = chunk["error"].strip()
                if "no space left" in detail.lower():
                    detail += " (the disk is full: 'gauntlet images prune' or 'docker system prune')"
                raise SandboxError(f"building {tag} failed: {detail}\n--- last build output ---\n{tail}")
    except (APIError, BuildError) as e:
        raise SandboxError(f"building {tag} failed: {e}\n" + "\n".join(log[-25:])) from e
    return tag


def registry_from_env(registry: str | None = None) -> str | None:
    """The registry to pull language images from: ``registry``, else ``GAUNTLET_IMAGE_REGISTRY``."""
    reg = registry if registry is not None else settings.image_registry()
    return reg.rstrip("/") if reg else None


def _split(name: str) -> tuple[str, str]:
    repo, _, tag = name.rpartition(":")
    if not repo or "/" in tag:  # no tag (a registry's port is not one)
        return name, "latest"
    return repo, tag


def pull_as(remote: str, local: str) -> str | None:
    """Pull ``remote`` and tag it ``local``; None when it worked, else why not (never raises)."""
    from docker.errors import DockerException

    try:
        img = client().images.pull(*_split(remote))
        img.tag(*_split(local))
        return None
    except DockerException as e:
        return str(getattr(e, "explanation", None) or e)


def push(local: str, registry: str) -> str | None:
    """Push ``local`` as ``registry/local``; None when it worked, else why not (never raises)."""
    from docker.errors import DockerException

    remote = f"{registry}/{local}"
    try:
        c = client()
        c.images.get(local).tag(*_split(remote))
        for chunk in c.api.push(*_split(remote), stream=True, decode=True):
            if "error" in chunk:
                return chunk["error"].strip()
        return None
    except DockerException as e:
        return str(getattr(e, "explanation", None) or e)


def build(spec: ImageSpec, base_image: str | None = None, progress: Callable[[str], None] | None = None,
          rebuild: bool = False, registry: str | None = None, push_built: bool = False) -> str:
    """The image of ``spec``; returns its tag.  Reused when an image with its content hash exists;
    else pulled from ``registry`` (or ``GAUNTLET_IMAGE_REGISTRY``) as ``REG/<tag>`` when it has it;
    else built here (and pushed there with ``push_built``).  ``obtained[tag]`` says which."""
    base = _available_base(spec, base_image, progress)
    tag = tag_for(spec, base)
    if not rebuild and (tag in _built or exists(tag)):
        _built.add(tag)
        obtained.setdefault(tag, "present")
        return tag
    reg = registry_from_env(registry)
    if reg and not rebuild:
        why = pull_as(f"{reg}/{tag}", tag)
        if why is None:
            if progress:
                progress(f"pulled {reg}/{tag}")
            _built.add(tag)
            obtained[tag] = "pulled"
            return tag
        if progress:
            progress(f"{reg}/{tag} not pulled ({why}); building it")
    say = progress or log.info
    say(f"building the {spec.language} image {tag} on {base}: once per Dockerfile and base, a minute or two "
        "(cached afterwards)")
    with tempfile.TemporaryDirectory(prefix="gauntlet-build-") as ctx:
        root = Path(ctx)
        (root / "Dockerfile").write_text(spec.dockerfile)
        for name, text in spec.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        args = {"BASE_IMAGE": base, **spec.build_args}
        ca = ca_bundle()
        if ca:
            shutil.copy(ca, root / CA_NAME)
            args["CA_CERT_FILE"] = CA_NAME
        labels = {LABEL: "1", f"{LABEL}.language": spec.language, f"{LABEL}.base": base}
        _build(root, tag, args, labels, progress)
    _built.add(tag)
    obtained[tag] = "built"
    if reg and push_built:
        why = push(tag, reg)  # a failed push costs this run nothing: the image is here
        obtained[tag] = "built" if why is None else f"built (push to {reg} failed: {why})"
        if why is not None:
            log.warning("pushing %s to %s failed: %s", tag, reg, why)
        if progress:
            progress(f"pushed {reg}/{tag}" if why is None else f"push to {reg} failed: {why}")
    return tag


def build_context(tag: str, dockerfile: str, paths: dict[str, Path], progress: Callable[[str], None] | None = None) -> str:
    """Build ``dockerfile`` with host directories ``paths`` copied into the context; reused by tag."""
    if exists(tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="gauntlet-build-") as ctx:
        root = Path(ctx)
        (root / "Dockerfile").write_text(dockerfile)
        for name, path in paths.items():
            shutil.copytree(path, root / name, symlinks=True)
        return _build(root, tag, {}, {LABEL: "1"}, progress)


def list_images() -> list[dict]:
    out = []
    for img in client().images.list(filters={"label": LABEL}):
        labels = img.labels or {}
        out.append({"tags": img.tags, "id": img.short_id, "language": labels.get(f"{LABEL}.language", "-"),
                    "base": labels.get(f"{LABEL}.base", "-"), "size_mb": round(img.attrs.get("Size", 0) / 2**20),
                    "created": img.attrs.get("Created", "")[:19]})
    return out


def sandbox_labels() -> dict[str, str]:
    """Labels of every container Gauntlet runs code in: what ``prune`` may remove, and whose.

    Not the image label alone: images built FROM a Gauntlet image (and their build containers)
    inherit it, and they are not ours to remove."""
    return {LABEL: "1", SANDBOX_LABEL: "1", OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}"}


def _stray(container) -> bool:
    """A sandbox container nobody uses: stopped, or its owner process on this host is gone."""
    if container.status != "running":
        return True
    host, _, pid = (container.labels or {}).get(OWNER_LABEL, "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's (a shared daemon): not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def cache_volume_labels(workspace: str | None) -> dict[str, str]:
    labels = {LABEL: "1", CACHE_LABEL: "1", OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}"}
    if workspace:
        labels[CACHE_WORKSPACE_LABEL] = f"{socket.gethostname()}:{workspace}"
    return labels


def prune_cache_volumes() -> int:
    """Remove the cache volumes of workspaces that no longer exist on this host (not in use: the
    daemon refuses those); returns how many."""
    removed = 0
    for vol in client().volumes.list(filters={"label": CACHE_WORKSPACE_LABEL}):
        host, _, path = (vol.attrs.get("Labels") or {}).get(CACHE_WORKSPACE_LABEL, "").partition(":")
        if host != socket.gethostname() or not path or os.path.exists(path):
            continue
        try:
            vol.remove()
            removed += 1
        except Exception:  # in use, or gone meanwhile
            pass
    return removed


def prune(images: bool = False) -> tuple[int, int]:
    """Remove stray sandbox containers, then the cache volumes of workspaces that are gone (and with
    ``images`` Gauntlet's images that no container uses); returns the counts of containers and
    images.  Containers still in use by a live harness are left alone."""
    c = client()
    strays = [ct for ct in c.containers.list(all=True, filters={"label": SANDBOX_LABEL}) if _stray(ct)]
    for ct in strays:
        try:
            ct.remove(force=True)
        except Exception:  # gone meanwhile (AutoRemove)
            pass
    volumes = prune_cache_volumes()
    if volumes:
        log.info("removed %d cache volume(s) of workspaces that are gone", volumes)
    removed = 0
    if images:
        for img in c.images.list(filters={"label": LABEL}):
            try:
                c.images.remove(img.id)  # not forced: an image in use stays
                removed += 1
            except Exception:  # in use by a container or another image: skipped
                pass
    return len(strays), removed


def bootstrap(name: str | None = None, suite: str = BOOTSTRAP_SUITE, mirror: str | None = None,
              progress: Callable[[str], None] | None = None) -> str:
    """A Debian base image made with no registry at all: debootstrap, then ``docker import``.

    ``name`` defaults to ``gauntlet-base:<suite>``.  trixie is the default suite: its toolchains
    meet what current code needs (bookworm's cargo 1.63 cannot read crates.io's sparse index)."""
    name = name or f"gauntlet-base:{suite}"
    if not shutil.which("debootstrap"):
        raise SandboxError("debootstrap is not installed: apt-get install debootstrap")
    if os.geteuid() != 0:
        raise SandboxError("debootstrap needs root: run 'sudo gauntlet images bootstrap'")
    client()
    with tempfile.TemporaryDirectory(prefix="gauntlet-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        if progress:
            progress(f"debootstrap --variant=minbase {suite} (about half a minute)")
        cmd = ["debootstrap", "--variant=minbase", suite, str(rootfs)] + ([mirror] if mirror else [])
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode:
            raise SandboxError(f"debootstrap failed: {(r.stdout + r.stderr)[-1500:]}")
        if progress:
            progress(f"docker import -> {name}")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(["docker", "import", "-c", f"LABEL {LABEL}=1", "-", name], stdin=tar.stdout,
                             capture_output=True, text=True, check=False)
        tar.wait()
        if imp.returncode:
            raise SandboxError(f"docker import failed: {imp.stderr.strip()}")
    return name
