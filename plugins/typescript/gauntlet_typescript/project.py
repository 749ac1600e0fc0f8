"""What a package says about itself: package.json, lockfile, tsconfig, test runner, eslint config.

Everything here reads files through a ``read(path) -> bytes | None`` callable so the same code
serves the host (detect, mutate) and a sandbox session (build, test, lint).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Reader = Callable[[str], "bytes | None"]

TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs")
DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
SKIP_DIRS = {"node_modules", "dist", "build", "coverage", "out"}
ESLINT_FLAT = ("eslint.config.js", "eslint.config.mjs", "eslint.config.cjs", "eslint.config.ts",
               "eslint.config.mts", "eslint.config.cts")
ESLINT_LEGACY = (".eslintrc", ".eslintrc.js", ".eslintrc.cjs", ".eslintrc.json", ".eslintrc.yml", ".eslintrc.yaml")
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")

_TEST_FILE = re.compile(r"(^|/)(__tests__|__mocks__|tests?|spec|e2e)/|\.(test|spec)\.[cm]?[jt]sx?$")


def is_test_file(path: str) -> bool:
    """Test files and test folders by the conventions jest, vitest and node:test share."""
    return bool(_TEST_FILE.search(path.replace("\\", "/")))


def session_reader(session) -> Reader:
    def read(path: str) -> bytes | None:
        try:
            return session.read_file(path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError):
            return None
    return read


def host_reader(root: Path) -> Reader:
    def read(path: str) -> bytes | None:
        p = root / path
        return p.read_bytes() if p.is_file() else None
    return read


def iter_sources(root: Path, suffixes: tuple[str, ...]) -> list[str]:
    """Relative paths of source files under ``root`` (host), skipping node_modules, outputs and dot dirs."""
    out: list[str] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for p in entries:
            if p.is_dir() and not p.is_symlink():
                if p.name not in SKIP_DIRS and not p.name.startswith("."):
                    stack.append(p)
            elif p.suffix in suffixes and not p.name.endswith(".d.ts"):
                out.append(p.relative_to(root).as_posix())
    return sorted(out)


@dataclass
class Package:
    """The facts of one npm package that the plugin's steps need."""

    manifest: dict = field(default_factory=dict)
    manifest_error: str | None = None
    lockfile: str | None = None  # file name
    lock: dict | None = None
    lock_bytes: bytes = b""
    has_tsconfig: bool = False
    eslint_config: str | None = None  # "flat" | "legacy" | None

    @property
    def scripts(self) -> dict:
        s = self.manifest.get("scripts")
        return s if isinstance(s, dict) else {}

    def depends_on(self, name: str) -> bool:
        return any(isinstance(self.manifest.get(f), dict) and name in self.manifest[f] for f in DEP_FIELDS)

    def lock_in_sync(self) -> bool:
        """Does the lockfile's root entry list the same dependency specs as package.json?

        npm (lockfile v2/v3) copies package.json's dependency fields into ``packages[""]``; a
        difference means package.json was edited after the lock was written (``npm ci`` refuses it).
        A v1 lockfile has no root entry: trust it and let ``npm ci`` judge.
        """
        if self.lock is None:
            return False
        root = (self.lock.get("packages") or {}).get("")
        if root is None:
            return True
        for f in ("dependencies", "devDependencies", "optionalDependencies"):
            if (self.manifest.get(f) or {}) != (root.get(f) or {}):
                return False
        return True

    def test_runner(self) -> str | None:
        """"vitest", "jest" or "node", from the test script first, then from the dependencies."""
        script = str(self.scripts.get("test", ""))
        for name in ("vitest", "jest"):
            if re.search(rf"(^|[\s/&;|]){name}(\s|$)", script):
                return name
        if re.search(r"\bnode\b.*--test\b", script):
            return "node"
        for name in ("vitest", "jest"):
            if self.depends_on(name):
                return name
        return None

    def node_test_command(self) -> tuple[list[str], list[str]]:
        """Node options and positional paths of a ``node … --test …`` test script."""
        script = str(self.scripts.get("test", ""))
        # Only the node command itself: "node --test test/ && echo done" keeps "node --test test/".
        first = re.split(r"&&|\|\||;|\|", script)[0]
        try:
            tokens = shlex.split(first)
        except ValueError:
            tokens = []
        if "node" in tokens:
            tokens = tokens[tokens.index("node") + 1:]
        options, paths, take_value = [], [], False
        for tok in tokens:
            if take_value:
                options.append(tok)
                take_value = False
            elif tok == "--test" or tok.startswith("--test-reporter"):
                continue
            elif tok.startswith("-"):
                options.append(tok)
                take_value = tok in ("--import", "--require", "-r", "--loader", "--experimental-loader")
            else:
                paths.append(tok)
        return options, paths


def load_package(read: Reader) -> Package | None:
    """Read the package at the root, or None when there is no package.json."""
    raw = read("package.json")
    if raw is None:
        return None
    pkg = Package()
    try:
        manifest = json.loads(raw.decode("utf-8", "replace"))
        pkg.manifest = manifest if isinstance(manifest, dict) else {}
    except json.JSONDecodeError as e:
        pkg.manifest_error = f"package.json is not valid JSON: {e}"
    for name in LOCKFILES:
        data = read(name)
        if data is not None:
            pkg.lockfile, pkg.lock_bytes = name, data
            try:
                lock = json.loads(data.decode("utf-8", "replace"))
                pkg.lock = lock if isinstance(lock, dict) else None
            except json.JSONDecodeError:
                pkg.lock = None
            break
    pkg.has_tsconfig = read("tsconfig.json") is not None
    if any(read(n) is not None for n in ESLINT_FLAT):
        pkg.eslint_config = "flat"
    elif any(read(n) is not None for n in ESLINT_LEGACY) or "eslintConfig" in pkg.manifest:
        pkg.eslint_config = "legacy"
    return pkg
