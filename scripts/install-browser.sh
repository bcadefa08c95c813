#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive is installed, and prints its path.
#
#   scripts/install-browser.sh          install Debian's chromium if missing, print its path on stdout
#
# Progress goes to stderr; stdout carries only the executable path, so callers can do
# `CHROMIUM="$(scripts/install-browser.sh)"`. Idempotent: when a browser is already there
# nothing is installed.
#
# Environment:
#   CHROMIUM_PATH=/path/to/chrome   use this executable, install nothing
#   BROWSER_NO_APT=1                never run apt-get (fail instead when no browser is found)
set -euo pipefail

say() { printf '[install-browser] %s\n' "$*" >&2; }
die() { printf '[install-browser] error: %s\n' "$*" >&2; exit 1; }

if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  [[ -x "$CHROMIUM_PATH" ]] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file."
  say "using CHROMIUM_PATH=$CHROMIUM_PATH"
  printf '%s\n' "$CHROMIUM_PATH"
  exit 0
fi

find_browser() {
  local name
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if found="$(find_browser)"; then
  say "found $found, nothing to install"
  printf '%s\n' "$found"
  exit 0
fi

[[ -z "${BROWSER_NO_APT:-}" ]] || die "no Chromium found and BROWSER_NO_APT is set. Install one (Debian: apt-get install -y chromium) or set CHROMIUM_PATH."
command -v apt-get >/dev/null 2>&1 || die "no Chromium found and apt-get is not available. Install Chromium or Chrome yourself, or set CHROMIUM_PATH."
if [[ "$(id -u)" != 0 ]]; then
  die "no Chromium found and this user cannot run apt-get. Run: sudo apt-get install -y chromium (or set CHROMIUM_PATH)."
fi

# Two test workers may ask at the same time; one installs, the other waits and then finds it.
LOCK="${TMPDIR:-/tmp}/tthc-install-browser.lock"
exec 9>"$LOCK"
say "waiting for $LOCK"
flock 9
if found="$(find_browser)"; then
  say "found $found (installed meanwhile), nothing to install"
  printf '%s\n' "$found"
  exit 0
fi

say "Chromium not found; installing it: apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core"
# apt output goes to stderr so stdout stays reserved for the path. The lock timeout lets a
# concurrent apt (unattended upgrades, another installer) finish instead of failing at once.
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get -o DPkg::Lock::Timeout=300 update >&2 \
    && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium fonts-dejavu-core >&2; }; then
  die "apt-get could not install chromium; install it yourself (apt-get install -y chromium) or set CHROMIUM_PATH."
fi
found="$(find_browser)" || die "chromium still not found after apt-get install."
say "installed $found"
printf '%s\n' "$found"
