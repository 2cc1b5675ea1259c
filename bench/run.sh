#!/usr/bin/env bash
# bench/run.sh: mediagraph against its peers, in one run, as ratios.
# Installs what is missing (wrk, nginx from Debian's packages as root; the
# Node peers' npm packages; the Django peer installs its own), then runs
# bench/compare, which builds mediagraph, starts every system on loopback
# with fresh data, measures each with wrk and the same bodies, prints one
# table and writes it as JSON (bench/results.json, or -o FILE).
#   bench/run.sh [-d 10s] [-o bench/results.json] [-skip django,yoga,apollo,nginx]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-$(cd .. && pwd)/shared/peers}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if ((${#need[@]})); then
  [ "$(id -u)" -eq 0 ] || { echo "missing ${need[*]}: install them (apt-get install ${need[*]})" >&2; exit 1; }
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
if [ ! -d "$PEERS/node/node_modules" ]; then
  (cd "$PEERS/node" && npm ci --no-audit --no-fund)   # better-sqlite3 builds from source: a minute or two
fi
exec go run ./bench/compare -peers "$PEERS" "$@"
