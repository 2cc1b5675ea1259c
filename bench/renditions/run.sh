#!/usr/bin/env bash
# bench/renditions/run.sh — mediagraph's renditions (media.MakeRenditions)
# side by side with the peer engines (libvips' vipsthumbnail, sharp, govips,
# disintegration/imaging, x/image/draw), in one run of the peer harness, so
# every figure is a ratio measured under the same load.
#
#   bench/renditions/run.sh [RESULTS.md]    (default bench/renditions/RESULTS.md)
#   REPS=3 bench/renditions/run.sh          fewer timed rounds (default 5)
#   env PEERS  the harness (default ../shared/peers/renditions next to the repo), never modified
#   env KEEP=1 keep the working copy (its out/ holds results.json and the files)
#
# It copies the harness to a temporary folder, builds bench/renditions into
# its bin/ as mediagraph-thumb, adds two engines to its list, and runs it:
#   mediagraph       one preset per process (cover100 or fit1280)
#   mediagraph-all4  the four default presets from one decode, the group's
#                    preset written where the harness checks it
# The harness's run.sh installs libvips-tools/libvips-dev from Debian if
# missing (as root) and sharp from npm; sharp and govips are skipped if they
# do not install or build. Bounded: the harness stops starting groups after
# 13 min and is killed after 15.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
results=$(realpath -m "${1:-$here/RESULTS.md}")
peers=${PEERS:-$(cd "$root/.." && pwd)/shared/peers/renditions}
export PATH=/usr/local/go/bin:$PATH

work=$(mktemp -d "${TMPDIR:-/tmp}/renditions.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  echo "working copy: $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi
cp -r "$peers/." "$work/"
rm -rf "$work/bin" "$work/out" # a copy of a run's leftovers would be mistaken for ours

mkdir -p "$work/bin"
(cd "$root" && go build -o "$work/bin/mediagraph-thumb" ./bench/renditions)

# Our engines go right after imaging's line in the engine list.
main="$work/cmd/bench/main.go"
awk '
  { print }
  /^[[:space:]]*\{"imaging", "jpg", "vipsthumbnail", true, bin\("imaging"\)\},$/ {
    print "\t\t{\"mediagraph\", \"jpg\", \"vipsthumbnail\", true, bin(\"mediagraph-thumb\")},"
    print "\t\t{\"mediagraph-all4\", \"jpg\", \"vipsthumbnail\", false, func(in, out, preset string) []string {"
    print "\t\t\tif preset == \"cover100\" || preset == \"fit1280\" {"
    print "\t\t\t\tpreset = \"all4-\" + preset"
    print "\t\t\t}"
    print "\t\t\treturn []string{\"bin/mediagraph-thumb\", in, out, preset}"
    print "\t\t}},"
    added++
  }
  END { if (added != 1) { print "engine list not found in cmd/bench/main.go" > "/dev/stderr"; exit 1 } }
' "$main" > "$main.new"
mv "$main.new" "$main"

# sharp is optional here: a failed npm install skips it instead of the run.
sed -i 's|(cd engines/sharp \&\& npm ci --no-audit --no-fund)|(cd engines/sharp \&\& npm ci --no-audit --no-fund) \|\| echo "sharp did not install; skipped"|' "$work/run.sh"
grep -q 'sharp did not install' "$work/run.sh" || { echo "could not make sharp optional in run.sh" >&2; exit 1; }

(cd "$work" && REPS="${REPS:-5}" ./run.sh)

mkdir -p "$(dirname "$results")"
cp "$work/out/results.md" "$results"
echo "results: $results" >&2
