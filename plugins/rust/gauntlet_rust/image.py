"""The Docker image Rust code runs in: cargo, rustc, clippy, git.

The default base is the official ``rust:1-slim-bookworm`` (rustup; its minimal profile lacks
clippy, which ``rustup component add`` brings).  On a bare Debian base (CI bootstraps one with
debootstrap, without a registry) cargo, rustc and clippy come from Debian's packages (``cargo``,
``rustc``, ``rust-clippy``): trixie's Rust 1.85 reads crates.io's sparse index and builds edition
2024 crates; bookworm's 1.63 does neither (enough for libtest's JSON and ``--message-format=json``).
jq, patch and git are there for SWE-bench eval scripts.  A build-context file named by ``CA_CERT_FILE`` (e.g.
``ca-certificates.crt``) is trusted when given, for cargo's downloads through a TLS proxy.
"""

from __future__ import annotations

from gauntlet_rust.cargo import PREPARE
from harness.language import ImageSpec

BASE_IMAGE = "rust:1-slim-bookworm"

DOCKERFILE = """\
ARG BASE_IMAGE=rust:1-slim-bookworm
FROM ${BASE_IMAGE}
ARG CA_CERT_FILE=
ENV DEBIAN_FRONTEND=noninteractive
# An optional extra CA (build context file named by CA_CERT_FILE, e.g. ca-certificates.crt).
COPY . /tmp/gauntlet-context/
RUN if [ -n "$CA_CERT_FILE" ] && [ -f "/tmp/gauntlet-context/$CA_CERT_FILE" ]; then \\
      mkdir -p /usr/local/share/ca-certificates && \\
      cp "/tmp/gauntlet-context/$CA_CERT_FILE" /usr/local/share/ca-certificates/gauntlet-extra.crt; \\
    fi; rm -rf /tmp/gauntlet-context
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates git jq patch util-linux \\
 && if ! command -v cargo >/dev/null; then \\
      apt-get install -y --no-install-recommends cargo rustc rust-clippy gcc libc6-dev; \\
    fi \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
RUN if command -v rustup >/dev/null && ! cargo clippy --version >/dev/null 2>&1; then \\
      rustup component add clippy; \\
    fi \\
 && cargo --version && rustc --version && cargo clippy --version \\
 && if [ -n "${CARGO_HOME:-}" ]; then chmod -R a+rwX "$CARGO_HOME"; fi
ENV CARGO_TERM_COLOR=never CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt
RUN useradd --create-home --shell /bin/sh gauntlet \\
 && mkdir -p /workspace && chown gauntlet:gauntlet /workspace
USER gauntlet
WORKDIR /workspace
"""


def image_spec() -> ImageSpec:
    return ImageSpec(
        language="rust",
        dockerfile=DOCKERFILE,
        base_image=BASE_IMAGE,
        tools={"cargo": "1 (latest stable; Debian's on a bare base: 1.85 trixie, 0.66 bookworm)",
               "rustc": "1 (latest stable; Debian's on a bare base: 1.85 trixie, 1.63 bookworm)", "clippy": "matching rustc",
               "jq": "debian", "patch": "debian", "git": "debian"},
        prepare=PREPARE,
    )
