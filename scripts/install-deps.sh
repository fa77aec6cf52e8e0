#!/usr/bin/env bash
# Installs the system packages ModelVet builds against (zlib, liblzma, bzip2 and SQLite headers), when they are missing,
# and the refusal judge's sentence encoder (scripts/install-judge-encoder.sh; without it modelvet judges refusals with
# its word-only model and says so, so a failure there is a warning, not an error).
# Safe to run repeatedly; needs root (or sudo) only when a system package is actually missing.
set -euo pipefail

missing=()
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ -f /usr/include/lzma.h ] || missing+=(liblzma-dev)
[ -f /usr/include/bzlib.h ] || missing+=(libbz2-dev)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
"$(dirname "$0")/install-judge-encoder.sh" >/dev/null \
  || echo "install-deps: warning: the refusal judge's encoder is not installed; modelvet will use its word-only judge" >&2
