#!/usr/bin/env bash
# chromecpu.sh BIN [PAGES] [inspect flags]: one full default inspection of
# the benchmark site (bench/sitegen, heavy pages) by BIN; prints the wall
# time, xunjian's own CPU-s and Chromium's (user+sys of every descendant of
# xunjian whose name starts with "chrom", sampled every 0.1 s from /proc,
# each process's last value) and the screenshots written. Run main's binary
# and yours alternately and take medians.
set -u
BIN=$1; PAGES=${2:-20000}; shift; [ $# -gt 0 ] && shift
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SITEGEN=${SITEGEN:-}
if [ -z "$SITEGEN" ]; then
  SITEGEN=$W/sitegen
  go build -o "$SITEGEN" "$(dirname "$0")/sitegen"
fi
"$SITEGEN" -pages "$PAGES" >"$W/url" & sp=$!
for _ in $(seq 300); do [ -s "$W/url" ] && break; sleep 0.1; done
url=$(head -1 "$W/url")
start=$(date +%s.%N)
"$BIN" inspect --concurrency 32 --rate 1000000 --allow-private --fail-on critical --quiet "$@" -o "$W/out" "$url" 2>"$W/err" & pid=$!
self=0
declare -A last
tree() { local ps="$1" all="$1"; while [ -n "$ps" ]; do local n=""; for p in $ps; do n="$n $(pgrep -P "$p")"; done; ps=$(echo $n); all="$all $ps"; done; echo $all; }
while kill -0 $pid 2>/dev/null; do
  s=$(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null) && [ -n "$s" ] && self=$s
  for c in $(tree "$(pgrep -P $pid)"); do
    grep -q '^chrom' /proc/$c/comm 2>/dev/null || continue
    v=$(awk '{print $14+$15}' /proc/$c/stat 2>/dev/null) && [ -n "$v" ] && last[$c]=$v
  done
  sleep 0.1
done
wait $pid
end=$(date +%s.%N)
kill $sp 2>/dev/null; wait $sp 2>/dev/null
sum=0; for k in "${!last[@]}"; do sum=$((sum+last[$k])); done
printf "wall %.1f s  xunjian %.2f CPU-s  chromium %.2f CPU-s  screenshots %s\n" \
  "$(echo "$end - $start" | bc)" "$(echo "$self/100" | bc -l)" "$(echo "$sum/100" | bc -l)" \
  "$(ls "$W"/out/*/screenshots 2>/dev/null | wc -l)"
