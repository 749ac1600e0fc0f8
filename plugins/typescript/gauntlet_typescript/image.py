"""The Docker image TypeScript / JavaScript code runs in: Node.js LTS with npm, git and typescript@5.

The default base is the official ``node:22-bookworm-slim``.  On a bare Debian base (CI
bootstraps one with debootstrap, without a registry) node comes from Debian's ``nodejs`` (trixie:
Node 20) and npm from the npm registry's own tarball (pinned ``NPM``; Debian's ``npm`` package would
bring some 400 node-* packages); where that node is older than 20 (bookworm's 18), as current vite /
vitest need, Node 22 itself is installed from the npm registry's ``node-linux-<arch>`` package and
put first on PATH.  jq and patch are there for SWE-bench eval scripts (JS instances call ``jq``).
typescript@5 is installed globally from the npm registry for packages that type-check without
their own compiler (TypeScript 7 changed the compiler API that tools rely on: pin 5).
A build-context file ``ca-certificates.crt`` (build arg ``CA_CERT_FILE``) is trusted when given.
"""

from __future__ import annotations

from harness.language import ImageSpec

BASE_IMAGE = "node:22-bookworm-slim"
TYPESCRIPT = "5.9.3"
NPM = "10.9.9"  # the last npm that still runs on bookworm's Node 18 (npm 11 needs 20.17+)

DOCKERFILE = """\
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}
ARG CA_CERT_FILE=
ARG TYPESCRIPT_VERSION=5.9.3
ARG NODE_FALLBACK_VERSION=22
ARG NPM_VERSION=10.9.9
# Downloads argv[1] to argv[2], following redirects; fails on any other status.
ARG NPM_FETCH="const https=require('https'),fs=require('fs');\\
const get=(u,n)=>https.get(u,r=>{if(r.statusCode>=300&&r.statusCode<400&&r.headers.location&&n>0){r.resume();\\
return get(new URL(r.headers.location,u).href,n-1)}if(r.statusCode!==200){console.error(u+': HTTP '+r.statusCode);\\
process.exit(1)}r.pipe(fs.createWriteStream(process.argv[2])).on('finish',()=>process.exit(0))})\\
.on('error',e=>{console.error(u+': '+e.message);process.exit(1)});get(process.argv[1],5)"
ENV DEBIAN_FRONTEND=noninteractive
# An optional extra CA (build context file named by CA_CERT_FILE, e.g. ca-certificates.crt).
COPY . /tmp/gauntlet-context/
RUN if [ -n "$CA_CERT_FILE" ] && [ -f "/tmp/gauntlet-context/$CA_CERT_FILE" ]; then \\
      mkdir -p /usr/local/share/ca-certificates && \\
      cp "/tmp/gauntlet-context/$CA_CERT_FILE" /usr/local/share/ca-certificates/gauntlet-extra.crt; \\
    fi; rm -rf /tmp/gauntlet-context
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates git jq patch \\
 && if ! command -v node >/dev/null; then apt-get install -y --no-install-recommends nodejs; fi \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
# Debian's npm package brings some 400 node-* packages: where the base has no npm, npm itself comes
# from the registry's tarball, fetched by node (no curl), with a builtin npmrc that puts global
# installs under /usr/local as the official images do.
RUN if ! command -v npm >/dev/null; then \\
      NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt node -e "$NPM_FETCH" \\
        "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" /tmp/npm.tgz \\
      && mkdir -p /usr/local/lib/node_modules/npm /usr/local/bin \\
      && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner \\
      && echo prefix=/usr/local > /usr/local/lib/node_modules/npm/npmrc \\
      && ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
      && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
      && rm /tmp/npm.tgz; \\
    fi \\
 && npm --version
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
        build_args={"TYPESCRIPT_VERSION": TYPESCRIPT, "NPM_VERSION": NPM},
        tools={"node": "22 (LTS; Debian's nodejs on a bare base: 20 on trixie, bookworm's 18 replaced by "
                       "node-linux-<arch>@22 from npm)",
               "npm": f"bundled with node (official image); {NPM} from the npm registry on a bare Debian base",
               "typescript": TYPESCRIPT, "jq": "debian", "patch": "debian", "git": "debian"},
        prepare=PREPARE,
    )
