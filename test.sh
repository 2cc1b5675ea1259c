#!/usr/bin/env bash
# The test command: installs what the tests need and runs every test.
#   ./test.sh            Go tests (race detector on), then the end-to-end
#                        suite through the real JavaScript client and Chromium.
# Needs Go and Node.js >= 20.9 with npm; installs the npm packages of e2e/
# and, when missing, Debian's chromium (as root, through apt-get).
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n== %s\n' "$*"; }

step "go vet"
go vet ./...

step "go test (race detector)"
go test -race -count=1 -timeout 15m ./...

step "end-to-end: install"
e2e/install.sh
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

step "end-to-end: Apollo Client + apollo-upload-client, Node and Chromium"
node e2e/run.mjs

step "all tests passed"
