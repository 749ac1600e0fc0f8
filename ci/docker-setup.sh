#!/usr/bin/env bash
# Set up Docker for the tests with no registry: install the engine and debootstrap, start the
# daemon, bootstrap a Debian trixie base image (current toolchains: cargo 1.85, Go 1.24, Node 20,
# Python 3.13) and build the language images on it. Idempotent.
# docker-registry (the distribution registry) is installed, not started: tests/test_ray_docker.py
# runs its own on loopback for the --image-registry test.
set -euo pipefail
BASE=${GAUNTLET_BASE_IMAGE:-gauntlet-base:trixie}

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v docker-registry >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap docker-registry >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  (dockerd >/tmp/gauntlet-dockerd.log 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null || { echo "dockerd did not start:"; tail -20 /tmp/gauntlet-dockerd.log; exit 1; }
fi
case "$BASE" in *:bookworm) SUITE=bookworm ;; *) SUITE=trixie ;; esac
docker image inspect "$BASE" >/dev/null 2>&1 || gauntlet images bootstrap --name "$BASE" --suite "$SUITE"
gauntlet images build python --base-image "$BASE"
for language in rust go typescript; do
  if python -c "import gauntlet_$language" 2>/dev/null; then
    gauntlet images build "$language" --base-image "$BASE"
  fi
done
