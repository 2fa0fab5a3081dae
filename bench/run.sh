#!/usr/bin/env bash
# Whole-process benchmark: xunjian inspect against wget2 --spider on the same
# generated loopback site, in the same run. Prints medians, ratios and, for
# xunjian, where its CPU time went: each check's passes and the crawl, from
# a CPU profile of its first run (pprof labels, see inspect/labels.go).
#
#   bench/run.sh [PAGES...]          default: 20000 80000
#   RUNS=5 bench/run.sh 20000
#   SITE=light bench/run.sh 20000    the spine benchmark's small pages
#   CHECKS=connectivity,broken-link bench/run.sh 20000
#   PROFILE=/tmp/prof bench/run.sh 20000   keep the CPU and heap profiles of
#                                   xunjian's first run (go tool pprof, see README)
#
# The site (bench/sitegen) is by default the heavy one: 100 KB pages built
# like a CMS template's, a 2,000-rule stylesheet on every page, content
# nested 120 elements deep. xunjian runs its full default inspection (every
# default check: the dark-link static pass, its rendering and cloaking
# passes on their default few pages, attachments) unless CHECKS names
# checks; CONFIG names a config file for xunjian.
#
# pages/s is the site's pages over the wall time (both tools fetch every
# page: "pages fetched" counts the page GETs the server saw, xunjian's
# including its cloaking and rendering passes' few). Peak RSS: "own" is xunjian's process alone (VmHWM, polled from /proc);
# "tree" is GNU time's, the largest process xunjian waited for (Chromium,
# the attachment workers) or xunjian itself.
#
# Needs: Go, wget2 (apt-get install wget2), GNU time (apt-get install time),
# curl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CHECKS=${CHECKS:-}
CONFIG=${CONFIG:-}
SITE=${SITE:-heavy}
PROFILE=${PROFILE:-}
extra=()
[ -z "$CONFIG" ] || extra+=(-c "$CONFIG")
[ -z "$CHECKS" ] || extra+=(--checks "$CHECKS")
site_flags=()
[ "$SITE" = heavy ] || site_flags+=(-light)
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(20000 80000)
for tool in wget2 curl jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install wget2 time curl jq)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/xunjian" ./cmd/xunjian
go build -o "$work/sitegen" ./bench/sitegen
PROFILE=${PROFILE:-$work/prof}
mkdir -p "$PROFILE"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# xunjian_run URL PROFILE_FLAGS...: one inspection; appends
# "wall tree_rss_kb own_hwm_kb" to $work/t.
xunjian_run() {
  local url=$1; shift
  local hwm=0 v pid
  /usr/bin/time -f "%e %M" -o "$work/t1" "$work/xunjian" inspect "${extra[@]}" "$@" --concurrency 32 --rate 1000000 \
    --allow-private --fail-on critical --quiet -o "$work/out" "$url" &
  pid=$!
  # /usr/bin/time's child is xunjian: poll its high-water mark.
  local child=""
  while kill -0 "$pid" 2>/dev/null; do
    [ -n "$child" ] || child=$(pgrep -P "$pid" -x xunjian || true)
    if [ -n "$child" ]; then
      v=$(awk '/^VmHWM/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
      [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
    fi
    sleep 0.05
  done
  wait "$pid" || [ $? -eq 1 ] # 1: findings
  echo "$(tail -1 "$work/t1") $hwm" >"$work/t"
}

printf '| site pages | tool | pages fetched | requests | median wall s | median pages/s | median peak RSS MB own | tree |\n|---|---|---|---|---|---|---|---|\n'
for pages in "${SIZES[@]}"; do
  rm -f "$work/url"
  "$work/sitegen" "${site_flags[@]}" -pages "$pages" >"$work/url" &
  site_pid=$!
  for _ in $(seq 300); do [ -s "$work/url" ] && break; sleep 0.1; done
  url=$(head -1 "$work/url")
  [ -n "$url" ] || { echo "bench: sitegen -pages $pages did not start" >&2; exit 2; }
  : >"$work/x.txt"; : >"$work/w.txt"
  for r in $(seq "$RUNS"); do
    # The first run is profiled (100 samples a second: a few per cent).
    prof=()
    [ "$r" != 1 ] || prof=(--cpuprofile "$PROFILE/cpu-$pages.pprof" --memprofile "$PROFILE/heap-$pages.pprof")
    # xunjian: 32 requests in flight per host.
    rm -rf "$work/out"
    xunjian_run "$url" "${prof[@]}"
    read -r crawled requests _ < <(curl -s "${url}__stats")
    read -r wall tree own <"$work/t"
    echo "$wall $tree $crawled $requests $own" >>"$work/x.txt"
    # wget2: status codes only, same concurrency, robots off.
    (cd "$work" && rm -rf wg && mkdir wg && cd wg && /usr/bin/time -f "%e %M" -o "$work/t1" \
      wget2 --spider -r -l inf --robots=off --max-threads=32 -q "$url" >/dev/null 2>&1 || true)
    read -r crawled requests _ < <(curl -s "${url}__stats")
    echo "$(tail -1 "$work/t1") $crawled $requests 0" >>"$work/w.txt"
  done
  for t in x w; do
    name=$([ $t = x ] && echo "xunjian inspect" || echo "wget2 --spider")
    wall=$(awk '{print $1}' "$work/$t.txt" | median)
    rate=$(awk -v n="$pages" '{printf "%.0f\n", n/$1}' "$work/$t.txt" | median)
    rss=$(awk '{printf "%.1f\n", $2/1024}' "$work/$t.txt" | median)
    own=$(awk '{printf "%.1f\n", $5/1024}' "$work/$t.txt" | median)
    fetched=$(awk '{print $3}' "$work/$t.txt" | median)
    reqs=$(awk '{print $4}' "$work/$t.txt" | median)
    [ $t = x ] || own="$rss"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$pages" "$name" "$fetched" "$reqs" "$wall" "$rate" "$own" "$rss"
    eval "${t}_rate_$pages=$rate"
  done
  # Paired ratios: each xunjian run against the wget2 run beside it.
  ratios=$(paste "$work/x.txt" "$work/w.txt" | awk '{printf "%.2f\n", $6/$1}' | sort -g | tr '\n' ' ')
  xr=$(eval echo "\$x_rate_$pages"); wr=$(eval echo "\$w_rate_$pages")
  echo "| $pages | ratio xunjian/wget2 | | | | $(awk -v a="$xr" -v b="$wr" 'BEGIN{printf "%.2f", a/b}') (runs: $ratios) | | |"
  echo
  echo "Where xunjian's CPU time went ($pages pages, its first run; go tool pprof -tags):"
  echo
  echo "| part | CPU s | share |"
  echo "|---|---|---|"
  go tool pprof -tags "$PROFILE/cpu-$pages.pprof" 2>/dev/null | sed -n '/^ *part:/,/^ *$/p' |
    sed -nE 's/^ *([0-9.]+)(m?s) \( *([0-9.]+)%\): (.*)$/\1 \2 \3 \4/p' |
    awk '{ v = ($2 == "ms") ? $1 / 1000 : $1; printf "| %s | %.2f | %s%% |\n", $4, v, $3 }'
  printf '| (total of the profile) | %s | |\n' "$(go tool pprof -top "$PROFILE/cpu-$pages.pprof" 2>/dev/null | awk '/Total samples/ {print $(NF-1)}' | sed 's/(//')"
  echo
  kill "$site_pid" 2>/dev/null || true; wait "$site_pid" 2>/dev/null || true
done
