#!/usr/bin/env bash
# The test command: installs what the tests need and runs every test.
#   ./test.sh            Go tests (race detector on) on SQLite, then the
#                        database tests again on PostgreSQL, then the
#                        end-to-end suite through the real JavaScript client
#                        and Chromium.
# Needs Go and Node.js >= 20.9 with npm. Installs the npm packages of e2e/
# and, when missing, Debian's chromium and postgresql (as root, through
# apt-get); starts a PostgreSQL cluster that is installed but stopped;
# installs versitygw (go install, into ~/.cache/mediagraph/bin) for S3.
# MEDIAGRAPH_TEST_POSTGRES_URL names an admin connection to use instead.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n== %s\n' "$*"; }

# ensure_postgres leaves MEDIAGRAPH_TEST_POSTGRES_URL naming a PostgreSQL
# server on which the tests may create and drop databases.
ensure_postgres() {
  if [ -n "${MEDIAGRAPH_TEST_POSTGRES_URL:-}" ]; then return; fi
  local url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "PostgreSQL is not installed; as root this script installs it (or set MEDIAGRAPH_TEST_POSTGRES_URL)" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends postgresql
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
  fi
  if ! psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster wants a password over TCP: set one.
    [ "$(id -u)" -eq 0 ] || { echo "cannot connect to PostgreSQL as postgres; set MEDIAGRAPH_TEST_POSTGRES_URL" >&2; exit 1; }
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'mediagraph-test'\"" >/dev/null
    url="postgres://postgres:mediagraph-test@127.0.0.1:5432/postgres?sslmode=disable"
    psql "$url" -Atqc 'select 1' >/dev/null
  fi
  export MEDIAGRAPH_TEST_POSTGRES_URL="$url"
}

# ensure_versitygw installs the S3-compatible test server once per machine,
# outside the clone (about 2.5 minutes cold).
ensure_versitygw() {
  local bin="${MEDIAGRAPH_VERSITYGW:-$HOME/.cache/mediagraph/bin/versitygw}"
  if [ ! -x "$bin" ]; then
    GOBIN="$(dirname "$bin")" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  fi
  export MEDIAGRAPH_VERSITYGW="$bin"
}

step "go vet"
go vet ./...

step "install: e2e packages and Chromium"
e2e/install.sh
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

step "front end (web/): npm packages, typecheck, lint, vitest"
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run typecheck && npm run lint && npm test)

step "go test (race detector; SQLite + local disk)"
go test -race -count=1 -timeout 15m ./...

step "go test on PostgreSQL + S3 (versitygw): the database and storage tests, the replicas, the e2e suite"
ensure_postgres
ensure_versitygw
MEDIAGRAPH_TEST_DATABASE=postgres MEDIAGRAPH_TEST_STORAGE=s3 MEDIAGRAPH_TEST_S3=required MEDIAGRAPH_TEST_E2E=1 \
  go test -count=1 -timeout 15m ./app/ ./media/...

step "end-to-end on SQLite + local disk: Apollo Client + apollo-upload-client, Node and Chromium"
node e2e/run.mjs

step "all tests passed"
