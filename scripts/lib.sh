# Shared steps of scripts/quickstart.sh and scripts/test.sh (sourced, not run). Every step says
# what it does; every step is skipped when its result is already there, so both scripts can be
# run again at any time.

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

# A virtual environment in .venv with the core (extras: $1, e.g. "test" or "all,train") and the
# four language plugins, editable. Re-installs only when a pyproject.toml or the extras changed.
ensure_venv() {
  local extras=$1
  command -v python3 >/dev/null || { echo "python3 is not installed (Gauntlet needs Python >= 3.10)"; exit 3; }
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "python3 is $(python3 -V 2>&1); Gauntlet needs Python >= 3.10"; exit 3; }
  if [ ! -x .venv/bin/python ]; then
    say "creating the virtual environment .venv (python3 -m venv .venv)"
    python3 -m venv .venv || { echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv (needs root: sudo apt-get install python3-venv)"; exit 3; }
  else
    say "using the virtual environment .venv"
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
  local plugins=() names=() stamp want
  for p in plugins/*/pyproject.toml; do plugins+=(-e "$(dirname "$p")"); names+=("$(dirname "$p")"); done
  want="$extras $(cat pyproject.toml plugins/*/pyproject.toml | sha256sum | cut -c1-16)"
  stamp=.venv/.gauntlet-installed
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    note "gauntlet-harness[$extras] and the plugins are installed (pyproject files unchanged)"
  else
    say "installing gauntlet-harness[$extras] and the plugins (${names[*]}) into .venv (pip install -e)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 python -m pip install -q -e ".[$extras]" "${plugins[@]}"
    echo "$want" > "$stamp"
  fi
}

# bubblewrap, the local backend's jail: install it where we may, and check that it can start a
# jail (a kernel may refuse unprivileged user namespaces).
ensure_bwrap() {
  say "checking bubblewrap (the jail that the local backend runs model-written code in)"
  if ! command -v bwrap >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      note "installing bubblewrap (apt-get install bubblewrap)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
      echo "bubblewrap is not installed, and installing it needs root:"
      echo "    sudo apt-get install bubblewrap     # Debian, Ubuntu"
      echo "    sudo dnf install bubblewrap         # Fedora"
      echo "then run this script again."
      exit 3
    fi
  fi
  # The harness's own check: it builds one jail exactly as the local backend does.
  if why=$(python -c 'from harness.sandbox import jail; print(jail.check())' 2>&1); then
    note "bubblewrap $why starts a jail here"
  else
    echo "bubblewrap is installed but cannot start a jail: ${why##*JailUnavailable: }"
    echo "Allowing unprivileged user namespaces needs root, e.g.:"
    echo "    sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0   # Ubuntu 24.04+"
    echo "    sudo sysctl -w kernel.unprivileged_userns_clone=1               # older Debian"
    exit 3
  fi
}
