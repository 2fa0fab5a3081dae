#!/usr/bin/env bash
# Re-inspection benchmark: a full inspection of a generated loopback site
# (bench/sitegen: ETag and Last-Modified on every page and file) against a
# re-inspection of the same, unchanged site with the crawl memory
# (inspect --state: conditional GET, 304s replayed), and with the weekly
# spread on top (crawl.spread_days: 7). Prints medians and ratios to the
# full run of the same round.
#
#   bench/recheck.sh [PAGES]                 default: 20000
#   RUNS=5 bench/recheck.sh 20000
#   CHECKS=broken-link,sensitive-word,typo,privacy,columns,external-link bench/recheck.sh
#
# Each round: "no memory" (plain inspect), "first" (inspect --state on an
# empty state: a full run that also records what it learnt), "recheck"
# (the same state again), "recheck+spread" (a config with spread_days 7).
#
# Needs: Go, GNU time (apt-get install time), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CHECKS=${CHECKS:-connectivity,broken-link}
PAGES=${1:-20000}
for tool in curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install time curl)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/xunjian" ./cmd/xunjian
go build -o "$work/sitegen" ./bench/sitegen
printf 'crawl:\n  spread_days: 7\n  spread_min_pages: 1000\n' >"$work/spread.yaml"

"$work/sitegen" -pages "$PAGES" >"$work/url" &
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

modes=(plain first recheck spread)
for m in "${modes[@]}"; do : >"$work/$m.txt"; done
for r in $(seq "$RUNS"); do
  rm -f "$work"/state.db*
  for m in "${modes[@]}"; do
    args=(inspect --checks "$CHECKS" --concurrency 32 --rate 1000000 --allow-private --fail-on critical --quiet -o "$work/out")
    case $m in
      first|recheck) args+=(--state "$work/state.db") ;;
      spread) args+=(--state "$work/state.db" -c "$work/spread.yaml") ;;
    esac
    curl -s "${url}__stats" >/dev/null # reset the counters
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$work/xunjian" "${args[@]}" "$url" || [ $? -eq 1 ] # 1: findings
    read -r _ requests notmod < <(curl -s "${url}__stats")
    read -r wall user sys rss <"$work/t"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss $requests $notmod" >>"$work/$m.txt"
    rm -rf "$work/out"
  done
done

printf 'site: %s pages, checks %s, %s rounds (medians)\n\n' "$PAGES" "$CHECKS" "$RUNS"
printf '| run | requests | full answers | 304 answers | wall s | CPU s | peak RSS MB | requests vs first | wall vs first | CPU vs first |\n|---|---|---|---|---|---|---|---|---|---|\n'
col() { awk -v c="$2" '{print $c}' "$work/$1.txt" | median; }
fw=$(col first 1); fc=$(col first 2); fr=$(col first 4)
for m in "${modes[@]}"; do
  w=$(col "$m" 1); c=$(col "$m" 2); rss=$(awk '{printf "%.1f\n", $3/1024}' "$work/$m.txt" | median)
  req=$(col "$m" 4); nm=$(col "$m" 5)
  full=$(awk '{print $4-$5}' "$work/$m.txt" | median)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$m" "$req" "$full" "$nm" "$w" "$c" "$rss" \
    "$(awk -v a="$req" -v b="$fr" 'BEGIN{printf "%.2f", a/b}')" \
    "$(awk -v a="$w" -v b="$fw" 'BEGIN{printf "%.2f", a/b}')" \
    "$(awk -v a="$c" -v b="$fc" 'BEGIN{printf "%.2f", a/b}')"
done
