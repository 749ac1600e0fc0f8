"""Each language image on the bootstrapped Debian trixie base meets what SWE-bench instances need.

The minimums: cargo >= 1.80 reading crates.io's sparse index, Go >= 1.22, Node >= 18, Python >=
3.11, and jq, patch and git for the eval scripts.  Then own mode on current code: an edition 2024
crate and a ``go 1.23`` module (range over an int) resolve with gold and not with the empty patch,
which bookworm's cargo 1.63 and Go 1.19 cannot build.  Needs ``gauntlet-base:trixie`` (``gauntlet
images bootstrap``; CI makes it in ci/docker-setup.sh).
"""

import os
import re

import pytest

from harness.plugins import get_plugin_manager
from harness.testing import docker_or_skip

TRIXIE = "gauntlet-base:trixie"

# language -> (shell command printing the versions, {name: (regex on its output, minimum)})
CHECKS = {
    "rust": ("cargo --version; rustc --version",
             {"cargo": (r"cargo (\d+)\.(\d+)", (1, 80))}),
    "go": ("go version", {"go": (r"go version go(\d+)\.(\d+)", (1, 22))}),
    "typescript": ("node --version", {"node": (r"v(\d+)\.(\d+)", (18, 0))}),
    "python": ("python3 --version; uv --version", {"python": (r"Python (\d+)\.(\d+)", (3, 11)), "uv": (r"uv (\d+)\.(\d+)", (0, 1))}),
}
SPARSE_CRATE = ('mkdir -p /tmp/c/src && cd /tmp/c && printf \'[package]\\nname = "c"\\nversion = "0.1.0"\\n'
                'edition = "2024"\\n\\n[dependencies]\\nitoa = "1"\\n\' > Cargo.toml && echo "fn main() {}" > src/main.rs '
                '&& CARGO_HOME=/tmp/cargo-home CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse cargo generate-lockfile '
                '&& grep -A1 \'name = "itoa"\' Cargo.lock')


@pytest.fixture(scope="module")
def trixie_images():
    """language -> the image of each installed plugin built on the trixie base (reused when there)."""
    docker_or_skip()
    from harness.sandbox import images

    if not images.exists(TRIXIE):
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {TRIXIE} (ci/docker-setup.sh)")
        pytest.skip(reason=f"needs the bootstrapped {TRIXIE}: gauntlet images bootstrap --suite trixie")
    pm = get_plugin_manager()
    return {lang: images.build(pm.for_language(lang).gauntlet_image(language=lang), base_image=TRIXIE)
            for lang in CHECKS if lang in pm.languages()}


def _run(image: str, command: str) -> str:
    """The command's output in a throwaway container (the host's network: the sparse index check)."""
    from harness.sandbox import images

    out = images.client().containers.run(image, ["bash", "-c", command + " 2>&1"], remove=True, network_mode="host",
                                         labels={"gauntlet": "1"}, user="root")
    return out.decode()


@pytest.mark.parametrize("language", sorted(CHECKS))
def test_toolchain_meets_the_minimum(trixie_images, language):
    if language not in trixie_images:
        pytest.skip(reason=f"gauntlet-{language} is not installed")
    command, wanted = CHECKS[language]
    out = _run(trixie_images[language], command + "; for t in jq patch git; do command -v $t || echo MISSING $t; done")
    assert "MISSING" not in out, out
    for name, (pattern, minimum) in wanted.items():
        m = re.search(pattern, out)
        assert m, f"no {name} version in: {out}"
        assert tuple(map(int, m.groups())) >= minimum, f"{name} {m.group(0)} is older than {minimum}"
    if language == "rust":  # crates.io's sparse index, read by this cargo (network: the host's)
        out = _run(trixie_images[language], SPARSE_CRATE)
        assert re.search(r'version = "1\.\d+', out), out


def test_current_rust_and_go_instances_resolve_on_trixie(tmp_path, trixie_images, monkeypatch):
    """SWE-bench own mode under Docker on the trixie images: an edition 2024 crate, a go 1.23 module."""
    import test_swebench_languages as langs
    from swe_fixtures import make_instance

    monkeypatch.setenv("GAUNTLET_BASE_IMAGE", TRIXIE)
    rust = {**langs.RUST, "base": {**langs.RUST["base"], "Cargo.toml": '[package]\nname = "toy"\nversion = "0.1.0"\n'
                                   'edition = "2024"\nrust-version = "1.85"\n'}}
    loop = "package ops\n\nfunc Sum(n int) (s int) {\n\tfor i := range n {\n\t\ts += i\n\t}\n\treturn\n}\n"
    go = {**langs.GO, "base": {**langs.GO["base"], "go.mod": "module example.com/toy\n\ngo 1.23\n", "ops/sum.go": loop}}
    for language, spec in (("rust", rust), ("go", go)):
        if language not in trixie_images:
            continue
        root = tmp_path / language
        fields = {k: spec[k] for k in ("base", "fix", "new_tests", "test_command", "log_parser", "fail_to_pass", "pass_to_pass")}
        instance = make_instance(root / "repos", f"toy/{language}", **fields)
        instance["language"] = language
        path, old, new = spec["test_edit"]
        edit = langs._test_edit_patch(root / "repos" / f"toy__{language}", path, old, new)
        try:
            langs.check_language(root, "docker", language, instance, edit)
        finally:
            _remove_instance_images(instance["instance_id"])


def _remove_instance_images(iid: str) -> None:
    """The instance images this test made, and the warm-pool containers running them."""
    from harness.sandbox import images

    client = images.client()
    for img in client.images.list(name=f"gauntlet-swe/{iid.lower()}"):
        for c in client.containers.list(all=True, filters={"ancestor": img.id, "label": "gauntlet=1"}):
            c.remove(force=True)
        client.images.remove(img.id, force=True)
