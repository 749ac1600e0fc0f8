"""The Python language image: python, pytest, ruff, uv, git, jq and patch, non-root user ``gauntlet``.

uv makes the per-instance environments of SWE-bench's own mode (a venv for the instance's Python,
found on the image or, where the network allows, downloaded by uv).  On a bare Debian base Python is
Debian's (trixie 3.13, bookworm 3.11)."""

from harness.language import ImageSpec

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
ARG CA_CERT_FILE=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; \\
    pkgs="git ca-certificates jq patch"; command -v python3 >/dev/null || pkgs="$pkgs python3 python3-venv"; \\
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . /tmp/ctx
# An optional extra CA (build context file named by CA_CERT_FILE) joins the system bundle, which pip
# and uv then use (also for SWE-bench instance environments built on this image).
RUN set -eu; if [ -n "$CA_CERT_FILE" ] && [ -f "/tmp/ctx/$CA_CERT_FILE" ]; then \\
      mkdir -p /usr/local/share/ca-certificates && cp "/tmp/ctx/$CA_CERT_FILE" /usr/local/share/ca-certificates/gauntlet-extra.crt \\
      && update-ca-certificates >/dev/null; fi; rm -rf /tmp/ctx
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -q pytest ruff uv && rm -rf /root/.cache
RUN useradd --create-home --uid 1000 gauntlet && mkdir -p /workspace && chown gauntlet /workspace
USER gauntlet
WORKDIR /workspace
"""


def image_spec() -> ImageSpec:
    return ImageSpec(
        language="python",
        dockerfile=DOCKERFILE,
        base_image="python:3.12-slim",
        tools={"pytest": "latest", "ruff": "latest", "uv": "latest", "git": "debian", "jq": "debian",
               "patch": "debian"},
        prepare=("if [ -f requirements.txt ]; then pip install -q -r requirements.txt; fi",),
    )
