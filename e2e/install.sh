#!/bin/sh
# Installs Chromium for the browser test (Debian/Ubuntu). Idempotent: does nothing when present.
set -eu
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "install.sh: $CHROMIUM present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install.sh: $CHROMIUM is missing and apt-get is not available: install Chromium yourself and set CHROMIUM=/path/to/chromium (or E2E_SKIP_BROWSER=1)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: $CHROMIUM is missing; installing it needs root: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM, or E2E_SKIP_BROWSER=1)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
[ -x "$CHROMIUM" ] || { echo "install.sh: chromium installed but $CHROMIUM not found; set CHROMIUM" >&2; exit 1; }
echo "install.sh: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
