#!/usr/bin/env bash
# Attachment extraction at scale: N generated PDFs (default 500) read
#   1. by `xunjian scan DIR`, with PDFium's compiled module not yet cached
#      (cold: an empty cache directory) and then cached (warm);
#   2. by `xunjian inspect` of a loopback site whose page links them all.
# Prints wall time, the parent's peak RSS (VmHWM polled from /proc) and the
# extract-worker pool's own figures (workers started, files, peak RSS of
# any worker), which xunjian logs when the pool closes.
#
#   bench/pdfs.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/xunjian" ./cmd/xunjian
go build -o "$work/pdfgen" ./bench/pdfgen
"$work/pdfgen" -n "$N" -dir "$work/pdfs" -serve >"$work/url" &
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")
mkdir -p "$work/cold"

# measure LABEL ARGS...: runs xunjian, polls its VmHWM, prints a table row.
measure() {
  local label=$1; shift
  local start end hwm=0 v
  start=$(date +%s.%N)
  "$work/xunjian" "$@" --log-level info --quiet >/dev/null 2>"$work/log" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
    sleep 0.05
  done
  wait "$pid" || true
  end=$(date +%s.%N)
  local pool
  pool=$(grep 'msg="extract workers"' "$work/log" | sed 's/.*msg="extract workers" //' || true)
  printf '| %s | %.1f | %d | %s |\n' "$label" "$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')" $((hwm / 1024)) "${pool:-no pool line}"
}

printf '| run (%d PDFs) | wall s | parent peak RSS MB | worker pool |\n|---|---|---|---|\n' "$N"
XDG_CACHE_HOME="$work/cold" measure "scan, cold PDFium cache" scan -o "$work/out1" "$work/pdfs"
measure "scan, warm cache" scan -o "$work/out2" "$work/pdfs"
measure "inspect of a site linking them" inspect --allow-private --rate 1000 --concurrency 8 \
  --checks broken-link,sensitive-word,typo,privacy -o "$work/out3" "$url"
