"""The Docker image TypeScript / JavaScript code runs in: Node.js LTS with npm, git and typescript@5.

The default base is the official ``node:22-bookworm-slim``.  On a bare Debian base (CI
bootstraps one with debootstrap, without a registry) node and npm come from Debian's packages
(trixie: Node 20); where that node is older than 20 (bookworm's 18), as current vite / vitest
need, Node 22 itself is installed from the npm registry's ``node-linux-<arch>`` package and put first
on PATH.  jq and patch are there for SWE-bench eval scripts (JS instances call ``jq``).
typescript@5 is installed globally from the npm registry for packages that type-check without
their own compiler (TypeScript 7 changed the compiler API that tools rely on: pin 5).
A build-context file ``ca-certificates.crt`` (build arg ``CA_CERT_FILE``) is trusted when given.
"""

from __future__ import annotations

from harness.language import ImageSpec

BASE_IMAGE = "node:22-bookworm-slim"
TYPESCRIPT = "5.9.3"

DOCKERFILE = """\
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}
ARG CA_CERT_FILE=
ARG TYPESCRIPT_VERSION=5.9.3
ARG NODE_FALLBACK_VERSION=22
ENV DEBIAN_FRONTEND=noninteractive
# An optional extra CA (build context file named by CA_CERT_FILE, e.g. ca-certificates.crt).
COPY . /tmp/gauntlet-context/
RUN if [ -n "$CA_CERT_FILE" ] && [ -f "/tmp/gauntlet-context/$CA_CERT_FILE" ]; then \\
      mkdir -p /usr/local/share/ca-certificates && \\
      cp "/tmp/gauntlet-context/$CA_CERT_FILE" /usr/local/share/ca-certificates/gauntlet-extra.crt; \\
    fi; rm -rf /tmp/gauntlet-context
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates git jq patch \\
 && if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \\
      apt-get install -y --no-install-recommends nodejs npm; \\
    fi \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
# Debian bookworm's node is 18; current vite / vitest need 20.19+.  The npm registry carries Node's
# own binaries as node-linux-<arch>: put a Node 22 from there first on PATH.
RUN if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then \\
      arch=$(node -p 'process.arch') \\
      && NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
         npm install -g --no-audit --no-fund "node-linux-$arch@${NODE_FALLBACK_VERSION}" \\
      && ln -sf "$(npm root -g)/node-linux-$arch/bin/node" /usr/local/bin/node \\
      && npm cache clean --force; \\
    fi \\
 && node --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
RUN npm install -g "typescript@${TYPESCRIPT_VERSION}" && npm cache clean --force && tsc --version
RUN useradd --create-home --shell /bin/sh gauntlet \\
 && mkdir -p /workspace && chown gauntlet:gauntlet /workspace
USER gauntlet
WORKDIR /workspace
"""


# Installs a package's dependencies into the project (ImageSpec.prepare; SWE-bench's own-environment
# mode runs it with network before the offline evaluation): from the lockfile when there is one.
PREPARE = ("if [ -f package-lock.json ]; then npm ci; elif [ -f package.json ]; then npm install; fi",)


def image_spec() -> ImageSpec:
    return ImageSpec(
        language="typescript",
        dockerfile=DOCKERFILE,
        base_image=BASE_IMAGE,
        build_args={"TYPESCRIPT_VERSION": TYPESCRIPT},
        tools={"node": "22 (LTS; node-linux-<arch>@22 from npm on a bare bookworm base)", "npm": "bundled", "typescript": TYPESCRIPT,
               "jq": "debian", "patch": "debian", "git": "debian"},
        prepare=PREPARE,
    )
