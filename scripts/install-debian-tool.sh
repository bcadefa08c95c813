#!/usr/bin/env bash
# Makes sure a command-line tool from Debian is installed, and prints its path on stdout.
#
#   scripts/install-debian-tool.sh ENV_VAR "name1 name2" package [package...]
#
# ENV_VAR (e.g. PROMTOOL_PATH) names an executable to use instead, installing nothing; otherwise the
# first of the names found on PATH is used; otherwise the packages are installed with apt-get
# --no-install-recommends. Progress goes to stderr; stdout carries only the path, so callers can do
# `PROMTOOL="$(scripts/install-debian-tool.sh PROMTOOL_PATH promtool prometheus)"`.
# DEBIAN_TOOLS_NO_APT=1 (or the older BROWSER_NO_APT=1) fails instead of running apt-get.
set -euo pipefail

env_var="${1:?usage: install-debian-tool.sh ENV_VAR \"names\" package...}"
read -r -a names <<<"${2:?missing the command names}"
shift 2
(($# > 0)) || { echo 'install-debian-tool.sh: missing the packages' >&2; exit 2; }
tag="install ${names[0]}"
say() { printf '[%s] %s\n' "$tag" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$tag" "$*" >&2; exit 1; }

override="${!env_var:-}"
if [[ -n "$override" ]]; then
  [[ -x "$override" ]] || die "$env_var=$override is not an executable file."
  say "using $env_var=$override"
  printf '%s\n' "$override"
  exit 0
fi

find_tool() {
  local name
  for name in "${names[@]}"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if found="$(find_tool)"; then
  say "found $found, nothing to install"
  printf '%s\n' "$found"
  exit 0
fi

hint="install it yourself (apt-get install -y $*) or set $env_var"
[[ -z "${DEBIAN_TOOLS_NO_APT:-}${BROWSER_NO_APT:-}" ]] || die "${names[0]} not found and apt-get is switched off; $hint."
command -v apt-get >/dev/null 2>&1 || die "${names[0]} not found and apt-get is not available; $hint."
[[ "$(id -u)" == 0 ]] || die "${names[0]} not found and this user cannot run apt-get; $hint (with sudo)."

# Several test workers may ask at the same time; one installs, the others wait and then find it.
LOCK="${TMPDIR:-/tmp}/tthc-install-${names[0]}.lock"
exec 9>"$LOCK"
say "waiting for $LOCK"
flock 9
if found="$(find_tool)"; then
  say "found $found (installed meanwhile), nothing to install"
  printf '%s\n' "$found"
  exit 0
fi

say "${names[0]} not found; installing it: apt-get update && apt-get install -y --no-install-recommends $*"
# apt output goes to stderr so stdout stays reserved for the path. The lock timeout lets a
# concurrent apt (unattended upgrades, another installer) finish instead of failing at once.
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get -o DPkg::Lock::Timeout=300 update >&2 \
    && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@" >&2; }; then
  die "apt-get could not install $*; $hint."
fi
found="$(find_tool)" || die "${names[0]} still not found after apt-get install."
say "installed $found"
printf '%s\n' "$found"
