#!/usr/bin/env bash
# bench/run.sh — mediagraph against the systems users would otherwise pick, in
# one run, with one load generator (wrk) and the same bodies, as ratios
# (issue 5). Loopback only; bounded (each step has a timeout; the whole run a
# watchdog); every process and temp dir it starts is removed on every exit
# path, Ctrl-C included.
#
#   bench/run.sh [-o FILE] [-md FILE] [-d DURATION] [-skip django,yoga,apollo,nginx]
#
#   -o FILE      where the JSON goes (env BENCH_OUT; default bench/results.json)
#   -md FILE     also write the table as Markdown (env BENCH_MD; default none)
#   -d DURATION  each wrk measurement (env BENCH_DURATION; default 10s)
#   -skip LIST   leave peers out (env BENCH_SKIP)
#   env BENCH_WARMUP (2s) before each measurement, BENCH_LIST_ROUNDS (2) of the
#   list page and BENCH_MEDIA_ROUNDS (2) of the media GETs (systems alternating,
#   averaged), BENCH_BUDGET (720 s) for the whole run
#   env PEERS    the peers' folder (default ../shared/peers next to the repo)
#
# One-time installs (as root): wrk and nginx-light from Debian; the Django
# peer's run.sh installs its own packages; `npm ci` in the Node peers' folder
# when its node_modules is missing (better-sqlite3 builds from source there:
# a few minutes, once).
#
# What it does, in order (the table at the end says what each figure is):
#   fixtures (bench/mkfixtures) → mediagraph, yoga, apollo, django started with
#   fresh data → 4. list page (seeded 1,000 × 3; bench/seed, the Django peer's
#   tools/seed.py) + SQL statements per page (the Go suite's counter) →
#   1. 1 MB uploads + fsync loop (bench/fsyncloop) → 2. 20 MB uploads + dd →
#   5. media GET vs nginx (+ Range mix) → peers stopped → 3. RSS during a
#   1 GiB upload (bench/rss) → 6. start to ready (bench/startready) →
#   bench/report prints the table and writes the JSON. Takes about 7 minutes.
set -uo pipefail   # no -e: a failing peer leaves a gap in the table, not a dead run

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="${PEERS:-$(cd "$REPO/.." && pwd)/shared/peers}"
OUT="${BENCH_OUT:-$REPO/bench/results.json}"
DUR="${BENCH_DURATION:-10s}"
SKIP="${BENCH_SKIP:-}"
MD="${BENCH_MD:-}"
WARM="${BENCH_WARMUP:-2s}"
BUDGET="${BENCH_BUDGET:-720}"   # seconds for the whole run after the one-time installs (watchdog)

while (($#)); do
  case "$1" in
    -o) OUT="$2"; shift 2 ;;
    -d) DUR="$2"; shift 2 ;;
    -skip) SKIP="$2"; shift 2 ;;
    -md) MD="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see -h)" >&2; exit 2 ;;
  esac
done
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
case "$MD" in /*|"") ;; *) MD="$PWD/$MD" ;; esac
skipped() { [[ ",$SKIP," == *",$1,"* ]]; }
secs() { local d="$1"; case "$d" in *ms) echo 1 ;; *s) echo "${d%s}" ;; *m) echo $(( ${d%m} * 60 )) ;; *) echo "$d" ;; esac; }
DURS="$(secs "$DUR")"
exec 3>&2                        # the terminal, whatever a step redirects
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&3; }
die() { log "$*"; exit 1; }

# --- one-time installs ---------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  [ "$(id -u)" -eq 0 ] || { echo "missing ${need[*]}: apt-get install ${need[*]} (as root)" >&2; exit 1; }
  log "installing ${need[*]}"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; } || die "apt-get failed"
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if ! skipped yoga || ! skipped apollo; then
  if [ ! -d "$PEERS/node/node_modules" ]; then
    log "npm ci in $PEERS/node (better-sqlite3 builds from source: a few minutes, once)"
    (cd "$PEERS/node" && timeout 1200 npm ci --no-audit --no-fund) || die "npm ci failed"
  fi
fi
if ! skipped django; then
  # The Django peer's run.sh installs its Debian packages when missing; when
  # one is, let it do so once now (then stop it), outside the timed run.
  for p in $(sed -n 's/^PKGS=(\(.*\))$/\1/p' "$PEERS/django/run.sh"); do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      log "the Django peer's packages are missing: its run.sh installs them (once)"
      timeout 1200 env PORT=18999 "$PEERS/django/run.sh" && timeout 60 "$PEERS/django/stop.sh" >/dev/null
      break
    fi
  done
fi

# --- state, cleanup -------------------------------------------------------------------
TMP="$(mktemp -d /tmp/mediagraph-bench.XXXXXX)"
chmod 755 "$TMP"                 # nginx's workers read the media directory below it
mkdir -p "$TMP/bin" "$TMP/tmp" "$TMP/wrk" "$TMP/fx"
PIDS=()                          # process-group leaders we started (setsid)
CUR=""                           # the step running now (waited on, so signals are handled at once)
DJANGO_STARTED=0
WATCHDOG=""
RAW="$TMP/raw.tsv"; : >"$RAW"
META="$TMP/meta.tsv"; : >"$META"
printf 'load average before the run\t%s (1, 5, 15 min; well above 0 means another job shares the cores: figures are noisier)\n' \
  "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"

stop_group() { # pid: TERM its process group, then KILL after 5 s
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM                 # cleanup is bounded: let it finish
  set +e
  [ -n "$CUR" ] && stop_group "$CUR"
  for pid in "${PIDS[@]}"; do stop_group "$pid"; done
  if [ "$DJANGO_STARTED" = 1 ]; then timeout 30 "$PEERS/django/stop.sh" >/dev/null 2>&1; fi
  [ -n "$WATCHDOG" ] && kill -KILL -- "-$WATCHDOG" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated (watchdog or signal)"; exit 143' TERM
# The watchdog: the whole run is bounded whatever hangs.
setsid bash -c 'sleep "$1"; echo "[bench] over the $1 s budget: stopping" >&2; kill -TERM "$2"' watchdog "$BUDGET" $$ </dev/null &
WATCHDOG=$!                      # its own process group: killed whole, never half

# step SECONDS CMD...: run a command in its own process group, bounded, and
# wait for it interruptibly (a trapped signal runs cleanup at once).
step() {
  local t="$1"; shift
  setsid timeout -k 5 "$t" "$@" 3>&- &
  CUR=$!
  local rc=0
  wait "$CUR" || rc=$?
  CUR=""
  return "$rc"
}
# spawn NAME CMD...: start a server in its own process group, log to $TMP/NAME.log.
spawn() {
  local name="$1"; shift
  setsid "$@" >"$TMP/$name.log" 2>&1 </dev/null 3>&- &
  PIDS+=($!)
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  log "no answer from $1 after $2 s"; return 1
}
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; } # key system value p50 p99 note
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }

# --- build, fixtures ------------------------------------------------------------------
cd "$REPO"
export TMPDIR="$TMP/tmp"         # temp dirs of the Go helpers (bench/rss) end up under $TMP
log "building mediagraph and the bench helpers"
step 300 go build -o "$TMP/mediagraph" . || die "go build failed"
step 300 go build -o "$TMP/bin/" ./bench/mkfixtures ./bench/seed ./bench/fsyncloop ./bench/startready ./bench/report ./bench/rss || die "building bench/ failed"
step 60 "$TMP/bin/mkfixtures" -dir "$TMP/fx" >"$TMP/fixtures.txt" || die "fixtures failed"
FX="$TMP/fx"
meta "machine" "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -r)"
meta "disk" "$(df -h "$TMP" | awk 'NR==2{print $1" ("$2", "$4" free)"}'), $(findmnt -no FSTYPE -T "$TMP" 2>/dev/null || echo ?)"
meta "load generator" "$(wrk -v 2>&1 | head -1 | awk '{print $1" "$2}'), -t2, on the same cores; each measurement $DUR after a $WARM warm-up"
meta "go" "$(go version | awk '{print $3}')"

# --- systems --------------------------------------------------------------------------
declare -A BASE
MG_PORT="$(free_port)"
MG_DIR="$TMP/mg"; mkdir -p "$MG_DIR"
MG_MEDIA="$MG_DIR/media"
spawn mediagraph env ADDR="127.0.0.1:$MG_PORT" DATABASE_URL="sqlite:$MG_DIR/mg.db" STORAGE_URL="$MG_MEDIA" "$TMP/mediagraph"
BASE[mediagraph]="http://127.0.0.1:$MG_PORT"
wait_http "${BASE[mediagraph]}/readyz" 30 || die "mediagraph did not start: $(tail -5 "$TMP/mediagraph.log")"
log "mediagraph on ${BASE[mediagraph]}"

for peer in yoga apollo; do
  skipped "$peer" && continue
  port="$(free_port)"
  spawn "$peer" env -C "$PEERS/node" PORT="$port" HOST=127.0.0.1 DATA_DIR="$TMP/$peer" MAX_FILE_SIZE=33554432 node "peer-$peer/server.mjs"
  BASE[$peer]="http://127.0.0.1:$port"
  wait_http "${BASE[$peer]}/healthz" 60 || { log "$peer did not start: $(tail -5 "$TMP/$peer.log")"; unset "BASE[$peer]"; continue; }
  log "$peer on ${BASE[$peer]}"
done

if ! skipped django; then
  port="$(free_port)"
  DJANGO_STARTED=1             # run.sh saves its pid in the peer's .run/; stop.sh stops it
  if step 900 env PORT="$port" PYTHONDONTWRITEBYTECODE=1 "$PEERS/django/run.sh" >"$TMP/django.log" 2>&1; then
    BASE[django]="http://127.0.0.1:$port"
    log "django on ${BASE[django]}"
  else
    log "django did not start: $(tail -5 "$TMP/django.log")"
  fi
fi
SYSTEMS=()
for s in mediagraph django yoga apollo; do [ -n "${BASE[$s]:-}" ] && SYSTEMS+=("$s"); done

# --- measuring helpers ----------------------------------------------------------------
# mpbody OUT FILE FILENAME FIELD [OPERATIONS MAP]: a multipart body around a
# fixture (GraphQL multipart request spec when OPERATIONS is given, else one
# form field, as Django's tools/upload_bench.py sends it).
BOUNDARY="mediagraphbench7d3f1a9c2e"
CT_MP="multipart/form-data; boundary=$BOUNDARY"
mpbody() {
  local out="$1" file="$2" name="$3" field="$4" ops="${5:-}" map="${6:-}" ctype
  case "$name" in *.png) ctype=image/png ;; *.pdf) ctype=application/pdf ;; *) ctype=text/plain ;; esac
  {
    if [ -n "$ops" ]; then
      printf -- '--%s\r\nContent-Disposition: form-data; name="operations"\r\n\r\n%s\r\n' "$BOUNDARY" "$ops"
      printf -- '--%s\r\nContent-Disposition: form-data; name="map"\r\n\r\n%s\r\n' "$BOUNDARY" "$map"
    fi
    printf -- '--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s\r\n\r\n' "$BOUNDARY" "$field" "$name" "$ctype"
    cat "$file"
    printf -- '\r\n--%s--\r\n' "$BOUNDARY"
  } >"$out"
}
gql_json() { python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$1"; }
# post URL CT BODYFILE: one request, fails on non-2xx or GraphQL errors; prints the body.
post() {
  local resp code
  resp="$(curl -sS --max-time 120 -w '\n%{http_code}' -H "Content-Type: $2" -H 'Apollo-Require-Preflight: 1' --data-binary "@$3" "$1")" || return 1
  code="${resp##*$'\n'}"; resp="${resp%$'\n'*}"
  if [[ "$code" != 2* ]] || [[ "$resp" == *'"errors"'* ]]; then log "POST $1: $code ${resp:0:300}"; return 1; fi
  printf '%s' "$resp"
}
first_id() { grep -o '"id":"\?[^",}]*' | head -1 | sed 's/"id":"\{0,1\}//'; }

# wrk_run KEY SYSTEM CONNS URL [SCRIPT BODY CT]: measure; record req/s, p50, p99.
wrk_run() {
  local key="$1" sys="$2" conns="$3" url="$4" script="${5:-}" body="${6:-}" ct="${7:-}"
  local out="$TMP/wrk/$key-$sys.txt" args=(-t2 "-c$conns" --timeout 30s --latency)
  [ -n "$script" ] && args+=(-s "$REPO/bench/$script")
  if [ "$WARM" != 0 ] && [ "$WARM" != 0s ]; then
    step $(( $(secs "$WARM") + 40 )) env BODY_FILE="$body" CONTENT_TYPE="$ct" wrk "${args[@]}" -d "$WARM" "$url" >/dev/null 2>&1
  fi
  if ! step $((DURS + 60)) env BODY_FILE="$body" CONTENT_TYPE="$ct" wrk "${args[@]}" -d "$DUR" "$url" >"$out" 2>&1; then
    log "wrk failed for $key/$sys: $(tail -3 "$out")"; return 0
  fi
  # rps, p50 ms, p99 ms, non-2xx, errors counted by the Lua script
  read -r rps p50 p99 bad errs < <(awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /m$/) return v*60000; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ {rps=$2} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
    /Non-2xx/ {bad=$NF} /^ERRORS/ {errs=$2}
    END {printf "%s %.2f %.2f %d %d\n", rps+0, p50, p99, bad, errs}' "$out")
  local note=""
  if ((bad > 0 || errs > 0)); then note="$bad non-2xx, $errs failed answers: figure invalid"; log "WARNING $key/$sys: $note"; fi
  record "$key" "$sys" "$rps" "$p50" "$p99" "$note"
  log "$key $sys: $rps req/s, p50 $p50 ms, p99 $p99 ms"
}
# drain: flush dirty pages before a disk-bound measurement, so each starts alike.
drain() { step 120 sync || true; }

# --- 4. list page: 1,000 products × 3 images, a page of 50 (fresh instances first) -----
MG_LIST='{ products(first: 50) { edges { node { id name price images { image { url } } } } } }'
NODE_LIST='{ products(first: 50) { id name price images { image { url } } } }'
gql_json "$MG_LIST" >"$TMP/list-mediagraph.json"
gql_json "$NODE_LIST" >"$TMP/list-node.json"
LISTED=()
for s in "${SYSTEMS[@]}"; do
  log "seeding $s"
  case "$s" in
    django)
      dd_dir="$(cat "$PEERS/django/.run/datadir")"
      step 300 env -C "$PEERS/django/app" DJANGO_DATA_DIR="$dd_dir" PYTHONDONTWRITEBYTECODE=1 \
        /usr/bin/python3 manage.py shell -c "$(cat "$PEERS/django/tools/seed.py")" >>"$TMP/seed.log" 2>&1 || { log "django seed failed"; continue; }
      n="$(curl -sS --max-time 30 "${BASE[django]}/products/" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["results"]; print(len(r), sum(len(p["images"]) for p in r))')"
      echo "django list page: $n (products, images)" >>"$TMP/seed.log" ;;
    mediagraph)
      step 600 "$TMP/bin/seed" -url "${BASE[$s]}/query" -image "$FX/seed.png" -list "$MG_LIST" >>"$TMP/seed.log" 2>&1 || { log "seeding $s failed: $(tail -2 "$TMP/seed.log")"; continue; } ;;
    *)
      step 600 "$TMP/bin/seed" -url "${BASE[$s]}/query" -image "$FX/seed.png" -list "$NODE_LIST" >>"$TMP/seed.log" 2>&1 || { log "seeding $s failed: $(tail -2 "$TMP/seed.log")"; continue; } ;;
  esac
  LISTED+=("$s")
done
# LIST_ROUNDS rounds, the systems alternating, averaged by bench/report: the
# machine's speed drifts within a minute, and alternating spreads the drift
# over every system alike.
for _ in $(seq "${BENCH_LIST_ROUNDS:-2}"); do
  for s in "${LISTED[@]}"; do
    case "$s" in
      django) wrk_run list django 4 "${BASE[django]}/products/" ;;
      mediagraph) wrk_run list "$s" 4 "${BASE[$s]}/query" upload.lua "$TMP/list-mediagraph.json" application/json ;;
      *) wrk_run list "$s" 4 "${BASE[$s]}/query" upload.lua "$TMP/list-node.json" application/json ;;
    esac
  done
done
sed 's/^/  /' "$TMP/seed.log" >&2

# SQL statements per list page: the Go suite counts them through ent's driver
# (same server stack, SQLite), for 5 and for 50 products.
if out="$(cd "$REPO" && step 300 go test -run 'TestListQueryCountIsConstant$' -count=1 -v ./app/ 2>&1)"; then
  line="$(grep -m1 'statements (5 products)' <<<"$out" || true)"
  small="$(sed -n 's/.* \([0-9]*\) statements (5 products).*/\1/p' <<<"$line")"
  large="$(sed -n 's/.*, \([0-9]*\) (50 products).*/\1/p' <<<"$line")"
  if [ -n "$large" ]; then
    c="constant"; [ "$small" = "$large" ] || c="NOT constant"
    record sql mediagraph "$large" "" "" "$small for 5 products, $large for 50 ($c), counted by TestListQueryCountIsConstant; 3 with totalCount"
  fi
else
  log "SQL statement count: go test failed"
fi

# --- 1. 1 MB uploads, 4 connections -------------------------------------------------------
declare -A PRODUCT
for s in "${SYSTEMS[@]}"; do
  if [ "$s" = django ]; then
    echo '{"name":"Bench uploads","description":"","price":"1.00"}' >"$TMP/mk-django.json"
    id="$(post "${BASE[django]}/products/" application/json "$TMP/mk-django.json" | first_id)" || true
  else
    gql_json 'mutation { createProduct(input: {name: "Bench uploads", price: "1.00"}) { id } }' >"$TMP/mk-gql.json"
    id="$(post "${BASE[$s]}/query" application/json "$TMP/mk-gql.json" | first_id)" || true
  fi
  [ -n "$id" ] || { log "no bench product on $s"; continue; }
  PRODUCT[$s]="$id"
  ops="{\"query\":\"mutation(\$id: ID!, \$image: Upload!) { addProductImage(productID: \$id, image: \$image) { id } }\",\"variables\":{\"id\":\"$id\",\"image\":null}}"
  if [ "$s" = django ]; then
    mpbody "$TMP/up1-$s.body" "$FX/png1mb.png" photo.png image
    mpbody "$TMP/up20-$s.body" "$FX/png20mb.png" big.png image
  else
    mpbody "$TMP/up1-$s.body" "$FX/png1mb.png" photo.png 0 "$ops" '{"0":["variables.image"]}'
    if [ "$s" = mediagraph ]; then
      mpbody "$TMP/up20-$s.body" "$FX/doc20mb.pdf" manual.pdf 0 \
        '{"query":"mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }","variables":{"input":{"title":"Manual","file":null}}}' \
        '{"0":["variables.input.file"]}'
    else
      mpbody "$TMP/up20-$s.body" "$FX/png20mb.png" big.png 0 "$ops" '{"0":["variables.image"]}'
    fi
  fi
done
up_url() { if [ "$1" = django ]; then echo "${BASE[django]}/products/${PRODUCT[django]}/images/"; else echo "${BASE[$1]}/query"; fi; }

for s in "${SYSTEMS[@]}"; do
  [ -f "$TMP/up1-$s.body" ] || continue
  post "$(up_url "$s")" "$CT_MP" "$TMP/up1-$s.body" >/dev/null || { log "1 MB upload refused by $s"; continue; }
  drain
  wrk_run upload_1mb "$s" 4 "$(up_url "$s")" upload.lua "$TMP/up1-$s.body" "$CT_MP"
done
drain
log "fsync loop: 1 MiB files, 4 writers, 5 s each: fsync, O_DIRECT + fsync, no fsync"
step 60 "$TMP/bin/fsyncloop" -dir "$TMP" -writers 4 -size 1048576 -d 5s >"$TMP/fsync.json" || log "fsync loop failed"

# --- 2. 20 MB uploads, 2 connections ---------------------------------------------------------
for s in "${SYSTEMS[@]}"; do
  [ -f "$TMP/up20-$s.body" ] || continue
  post "$(up_url "$s")" "$CT_MP" "$TMP/up20-$s.body" >/dev/null || { log "20 MB upload refused by $s"; continue; }
  drain
  wrk_run upload_20mb_req "$s" 2 "$(up_url "$s")" upload.lua "$TMP/up20-$s.body" "$CT_MP"
done
# req/s → MB/s of file payload (10^6 bytes)
awk -F'\t' -v pdf="$(stat -c %s "$FX/doc20mb.pdf")" -v png="$(stat -c %s "$FX/png20mb.png")" '
  $1=="upload_20mb_req" { size = ($2=="mediagraph") ? pdf : png;
    printf "upload_20mb\t%s\t%.1f\t%s\t%s\t%s\n", $2, $3*size/1e6, $4, $5, $6 }' "$RAW" >>"$RAW"
drain
log "dd bs=1M count=1024 conv=fdatasync"
if step 120 dd if=/dev/zero of="$TMP/dd.bin" bs=1M count=1024 conv=fdatasync 2>"$TMP/dd.txt"; then
  ddsec="$(sed -n 's/.* copied, \([0-9.]*\) s,.*/\1/p' "$TMP/dd.txt")"
  record dd dd "$(awk -v s="$ddsec" 'BEGIN{printf "%.1f", 1073741824/1e6/s}')" "" "" ""
fi
rm -f "$TMP/dd.bin"
# The same past the page cache (O_DIRECT), as mediagraph writes uploads on local disk.
drain
log "dd bs=1M count=1024 oflag=direct conv=fdatasync"
if step 120 dd if=/dev/zero of="$TMP/dd.bin" bs=1M count=1024 oflag=direct conv=fdatasync 2>"$TMP/dd.txt"; then
  ddsec="$(sed -n 's/.* copied, \([0-9.]*\) s,.*/\1/p' "$TMP/dd.txt")"
  record dd_direct dd "$(awk -v s="$ddsec" 'BEGIN{printf "%.1f", 1073741824/1e6/s}')" "" "" ""
fi
rm -f "$TMP/dd.bin"

# --- 5. media GET of a 100 KB file: mediagraph vs nginx on the same directory ----------------
mpbody "$TMP/doc100.body" "$FX/doc100kb.txt" page.txt 0 \
  '{"query":"mutation($input: CreateDocumentInput!) { createDocument(input: $input) { file { path } } }","variables":{"input":{"title":"Page","file":null}}}' \
  '{"0":["variables.input.file"]}'
KEY="$(post "${BASE[mediagraph]}/query" "$CT_MP" "$TMP/doc100.body" | grep -o '"path":"[^"]*"' | sed 's/"path":"//; s/"$//')" || true
if [ -n "$KEY" ]; then
  MG_URL="${BASE[mediagraph]}/media/$KEY"
  NG_URL=""
  curl -fsS --max-time 10 "$MG_URL" | cmp -s - "$FX/doc100kb.txt" || log "WARNING: mediagraph /media/ does not answer the stored bytes"
  if ! skipped nginx; then
    NG_PORT="$(free_port)"; NG="$TMP/nginx"; mkdir -p "$NG/tmp"
    cat >"$NG/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  server {
    listen 127.0.0.1:$NG_PORT;
    # the same headers mediagraph sends for a stored file
    location /media/ {
      alias $MG_MEDIA/;
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header X-Content-Type-Options nosniff;
    }
  }
}
EOF
    spawn nginx "$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf"
    NG_URL="http://127.0.0.1:$NG_PORT/media/$KEY"
    if wait_http "$NG_URL" 10; then
      curl -fsS --max-time 10 "$NG_URL" | cmp -s - "$FX/doc100kb.txt" || log "WARNING: nginx does not answer the stored bytes"
    else
      log "nginx did not start: $(tail -3 "$NG/error.log" 2>/dev/null)"; NG_URL=""
    fi
  fi
  # Short, noise-sensitive figures: MEDIA_ROUNDS rounds, mediagraph and nginx
  # alternating, averaged by bench/report.
  for _ in $(seq "${BENCH_MEDIA_ROUNDS:-2}"); do
    wrk_run media mediagraph 4 "$MG_URL"
    [ -n "$NG_URL" ] && wrk_run media nginx 4 "$NG_URL"
    wrk_run range mediagraph 4 "$MG_URL" range.lua
    [ -n "$NG_URL" ] && wrk_run range nginx 4 "$NG_URL" range.lua
  done
else
  log "could not store the 100 KB file in mediagraph"
fi

# The peers are done: stop them so the remaining single-server figures run on a quiet machine.
for pid in "${PIDS[@]}"; do stop_group "$pid"; done
PIDS=()
if [ "$DJANGO_STARTED" = 1 ]; then timeout 30 "$PEERS/django/stop.sh" >/dev/null 2>&1 || true; DJANGO_STARTED=0; fi

# --- 3. peak RSS during a 1 GiB upload (bench/rss: Content-Length and chunked) ----------------
log "RSS during a 1 GiB upload (bench/rss)"
step 600 "$TMP/bin/rss" -json "$TMP/rss.json" >&2 || log "bench/rss failed"

# --- 6. start to ready, embedded default, fresh data directory -------------------------------
log "start to ready (5 runs)"
step 120 "$TMP/bin/startready" -bin "$TMP/mediagraph" -dir "$TMP/start" -n 5 >"$TMP/start.json" || log "start to ready failed"

# --- the table ------------------------------------------------------------------------------
meta "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg) (the run's own load included)"
meta "run time" "$SECONDS s"
mkdir -p "$(dirname "$OUT")"
"$TMP/bin/report" -raw "$RAW" -rss "$TMP/rss.json" -fsync "$TMP/fsync.json" -start "$TMP/start.json" -meta "$META" \
  -o "$TMP/results.json" -md "$TMP/results.md" || die "report failed"
cp "$TMP/results.json" "$OUT" && log "results written to $OUT"
if [ -n "$MD" ]; then mkdir -p "$(dirname "$MD")"; cp "$TMP/results.md" "$MD" && log "table written to $MD"; fi
