#!/usr/bin/env bash
# Whole-process benchmark: xunjian inspect against wget2 --spider on the same
# generated loopback site, in the same run. Prints medians and ratios.
#
#   bench/run.sh [PAGES...]          default: 20000 40000
#   RUNS=5 bench/run.sh 20000
#   CHECKS=connectivity,broken-link,sensitive-word,typo,privacy,columns bench/run.sh 20000
#
# CHECKS defaults to the checks of the inspection spine (connectivity,
# broken-link), the figures the README quotes against wget2. CONFIG names a
# config file for xunjian (e.g. bench/static-darklink.yaml).
#
# Needs: Go, wget2 (apt-get install wget2), GNU time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CHECKS=${CHECKS:-connectivity,broken-link}
CONFIG=${CONFIG:-}
config_flag=()
[ -z "$CONFIG" ] || config_flag=(-c "$CONFIG")
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(20000 40000)
for tool in wget2 curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install wget2 time)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/xunjian" ./cmd/xunjian
go build -o "$work/sitegen" ./bench/sitegen

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '| site pages | tool | pages fetched | requests | median wall s | median pages/s | median peak RSS MB |\n|---|---|---|---|---|---|---|\n'
for pages in "${SIZES[@]}"; do
  "$work/sitegen" -pages "$pages" >"$work/url" &
  for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
  url=$(head -1 "$work/url")
  : >"$work/x.txt"; : >"$work/w.txt"
  for r in $(seq "$RUNS"); do
    # xunjian: $CHECKS, 32 requests in flight per host.
    /usr/bin/time -f "%e %M" -o "$work/t" "$work/xunjian" inspect "${config_flag[@]}" --checks "$CHECKS" --concurrency 32 --rate 1000000 \
      --allow-private --fail-on critical --quiet -o "$work/out" "$url" || [ $? -eq 1 ] # 1: findings
    read -r crawled requests _ < <(curl -s "${url}__stats")
    echo "$(tail -1 "$work/t") $crawled $requests" >>"$work/x.txt"
    rm -rf "$work/out"
    # wget2: status codes only, same concurrency, robots off.
    (cd "$work" && rm -rf wg && mkdir wg && cd wg && /usr/bin/time -f "%e %M" -o "$work/t" \
      wget2 --spider -r -l inf --robots=off --max-threads=32 -q "$url" >/dev/null 2>&1 || true)
    read -r crawled requests _ < <(curl -s "${url}__stats")
    echo "$(tail -1 "$work/t") $crawled $requests" >>"$work/w.txt"
  done
  for t in x w; do
    name=$([ $t = x ] && echo "xunjian inspect" || echo "wget2 --spider")
    wall=$(awk '{print $1}' "$work/$t.txt" | median)
    rate=$(awk '{printf "%.0f\n", $3/$1}' "$work/$t.txt" | median)
    rss=$(awk '{printf "%.1f\n", $2/1024}' "$work/$t.txt" | median)
    fetched=$(awk '{print $3}' "$work/$t.txt" | median)
    reqs=$(awk '{print $4}' "$work/$t.txt" | median)
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$pages" "$name" "$fetched" "$reqs" "$wall" "$rate" "$rss"
    eval "${t}_rate_$pages=$rate; ${t}_rss_$pages=$rss"
  done
  xr=$(eval echo "\$x_rate_$pages"); wr=$(eval echo "\$w_rate_$pages")
  echo "| $pages | ratio xunjian/wget2 | | | | $(awk -v a="$xr" -v b="$wr" 'BEGIN{printf "%.2f", a/b}') | |"
  kill %1 2>/dev/null || true; wait 2>/dev/null || true
done
