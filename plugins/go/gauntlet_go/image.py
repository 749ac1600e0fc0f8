"""The Docker image Go code runs in: the go command, gofmt, git.

The default base is the official ``golang:1-bookworm`` (latest Go 1.x, gcc for cgo, git).  On a bare
Debian base (CI bootstraps one with debootstrap, without a registry) Go comes from Debian's
``golang-go`` package: Go 1.24 on trixie; 1.19 on bookworm, where modules whose ``go.mod`` needs a
newer Go fail with a clear toolchain error.  jq and patch are there for SWE-bench eval scripts.  A
build-context file named by ``CA_CERT_FILE`` (e.g. ``ca-certificates.crt``) is trusted when given,
for module downloads through a TLS proxy.  The build and module caches are made writable for the
non-root user; the plugin points GOCACHE and GOMODCACHE at the sandbox's cache dirs anyway.
"""

from __future__ import annotations

from gauntlet_go.gocmd import PREPARE
from harness.language import ImageSpec

BASE_IMAGE = "golang:1-bookworm"

DOCKERFILE = """\
ARG BASE_IMAGE=golang:1-bookworm
FROM ${BASE_IMAGE}
ARG CA_CERT_FILE=
ENV DEBIAN_FRONTEND=noninteractive
# An optional extra CA (build context file named by CA_CERT_FILE, e.g. ca-certificates.crt).
COPY . /tmp/gauntlet-context/
RUN if [ -n "$CA_CERT_FILE" ] && [ -f "/tmp/gauntlet-context/$CA_CERT_FILE" ]; then \\
      mkdir -p /usr/local/share/ca-certificates && \\
      cp "/tmp/gauntlet-context/$CA_CERT_FILE" /usr/local/share/ca-certificates/gauntlet-extra.crt; \\
    fi; rm -rf /tmp/gauntlet-context
ENV PATH=/usr/local/go/bin:/go/bin:${PATH}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates git jq patch util-linux \\
 && if ! command -v go >/dev/null; then \\
      apt-get install -y --no-install-recommends golang-go gcc libc6-dev; \\
    fi \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/* \\
 && go version && command -v gofmt
ENV GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOPATH=/go
RUN mkdir -p /go && chmod -R a+rwX /go \\
 && useradd --create-home --shell /bin/sh gauntlet \\
 && mkdir -p /workspace && chown gauntlet:gauntlet /workspace
USER gauntlet
WORKDIR /workspace
"""


def image_spec() -> ImageSpec:
    return ImageSpec(
        language="go",
        dockerfile=DOCKERFILE,
        base_image=BASE_IMAGE,
        tools={"go": "1 (latest stable; Debian's on a bare base: 1.24 trixie, 1.19 bookworm)", "gofmt": "matching go",
               "go vet": "matching go", "jq": "debian", "patch": "debian", "git": "debian"},
        prepare=PREPARE,
    )
