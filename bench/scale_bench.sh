#!/usr/bin/env bash
# Scale benchmark: one tracker of N customizations (default 1e6) with a
# catalog of M items (default 1e7), served by exportd. For each catalog
# memory budget (the default 512 MiB, and one large enough for the shared
# catalog table), exportd is started afresh and runs: one export with both
# prunings alone, then CLIENTS (default 8) of them at once, then a point
# export. A sampler reads exportd's anonymous and file-backed RSS
# (/proc/PID/status: RssAnon, RssFile) every 0.1 s; each phase reports its
# peaks, its wall time and the bytes of every answer, which must all be the
# same. The store is mapped, so RssFile grows with the pages the exports
# read (shared page cache, not exportd's own memory); RssAnon is what
# exportd allocates. Prints a Markdown report; exits 1 when an answer is
# not a 200 or the concurrent answers differ from the single one.
#   bench/scale_bench.sh [--build-dir DIR] [--out FILE] [--customizations N]
#                        [--catalog M] [--clients C]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" out="" customizations=1000000 catalog=10000000 clients=8
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    --catalog) catalog=$2; shift ;;
    --clients) clients=$2; shift ;;
    *) echo "usage: bench/scale_bench.sh [--build-dir DIR] [--out FILE] [--customizations N] [--catalog M] [--clients C]" >&2; exit 2 ;;
  esac
  shift
done

source "$(dirname "$0")/http_common.sh"
http_bench_setup "$build_dir" scale-bench
tracker=scale
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN{printf "%.2f", b - a}'; }

echo "== demo store: $customizations customizations, catalog of $catalog" >&2
t0=$(now_s)
key=$("$exportctl" --store "$tmp/store" demo --tracker $tracker \
  --customizations "$customizations" --catalog "$catalog" --seed 42 |
  awk '/^key:/{print $2}')
demo_s=$(elapsed "$t0")
store_bytes=$(du -sb "$tmp/store" | cut -f1)

path="/v1/recommender/pin/$tracker/scopes/export"
ctype="application/json"
date_h=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
auth=$(api_auth "$tracker" "$key" "$path")
pruned="remove_expired_pins=true&remove_nonexisting_item_pins=true"

signed_curl() {  # QUERY OUTFILE: prints the body's size; fails on a non-200
  curl -s -f -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: $auth" -o "$2" -w '%{size_download}\n' --max-time 900 \
    "http://127.0.0.1:$port_d$path?$1"
}

rss_now() {  # PID: "RssAnon RssFile" in kB
  awk '/^RssAnon:/{a=$2} /^RssFile:/{f=$2} END{print a, f}' "/proc/$1/status"
}
# sample PID FILE: rewrites FILE with the peak RssAnon and RssFile (kB) seen
# so far, every 0.1 s, until killed.
sample() {
  local a f pa=0 pf=0
  while :; do
    read -r a f < <(rss_now "$1")
    [ "$a" -gt "$pa" ] && pa=$a
    [ "$f" -gt "$pf" ] && pf=$f
    echo "$pa $pf" >"$2.new" && mv "$2.new" "$2"
    sleep 0.1
  done
}

declare -A wall anon file bytes
# phase NAME CLIENTS QUERY: CLIENTS exports at once, sampled.
phase() {
  local name=$1 n=$2 query=$3 i s t c=() a f pa pf
  rm -f "$tmp/peak"
  sample "$pid_d" "$tmp/peak" &
  s=$!
  t=$(now_s)
  for i in $(seq "$n"); do
    { signed_curl "$query" /dev/null || echo failed; } >"$tmp/size.$i" &
    c+=($!)
  done
  wait "${c[@]}"
  wall[$name]=$(elapsed "$t")
  kill $s && wait $s 2>/dev/null || true
  # The last sample may be older than the phase's end: one more, now.
  read -r a f < <(rss_now "$pid_d")
  pa=0 pf=0
  [ -f "$tmp/peak" ] && read -r pa pf <"$tmp/peak"
  anon[$name]=$((a > pa ? a : pa))
  file[$name]=$((f > pf ? f : pf))
  bytes[$name]=$(sort -u "$tmp"/size.* | paste -sd' ')
  rm -f "$tmp"/size.*
  [ "$(wc -w <<<"${bytes[$name]}")" = 1 ] || {
    echo "scale_bench: $name: the answers differ or failed: ${bytes[$name]}" >&2; exit 1; }
}

start_exportd() {  # extra exportd flags; sets pid_d
  taskset -c $cpu_server "$exportd" --store "$tmp/store" --listen 127.0.0.1:$port_d \
    --threads 64 --max-clock-skew 3600 --no-access-log "$@" >"$tmp/exportd.log" 2>&1 &
  pid_d=$!
  pids+=($pid_d)
  wait_for_url "http://127.0.0.1:$port_d/healthz" &&
    curl -s -f -o /dev/null "http://127.0.0.1:$port_d/healthz" || {
    echo "scale_bench: exportd did not start:" >&2; cat "$tmp/exportd.log" >&2; exit 1; }
}
# A target identity of the store, for the point export.
start_exportd
signed_curl "model=basket&tag=sale" "$tmp/medium.json" >/dev/null
kill "$pid_d" && wait "$pid_d" 2>/dev/null || true
identity=$(grep -m1 -o '"target_identity":"[^"]*"' "$tmp/medium.json" | cut -d'"' -f4 || true)
rm -f "$tmp/medium.json"
[ -n "$identity" ] || { echo "scale_bench: no target_identity in the store" >&2; exit 1; }
budgets=(536870912 4294967296)
for b in "${budgets[@]}"; do
  echo "== exportd, catalog memory budget $b" >&2
  start_exportd --catalog-memory-budget "$b"
  read -r anon[$b/idle] file[$b/idle] < <(rss_now "$pid_d")
  phase "$b/1" 1 "$pruned"
  phase "$b/$clients" "$clients" "$pruned"
  [ "${bytes[$b/1]}" = "${bytes[$b/$clients]}" ] || {
    echo "scale_bench: $clients concurrent exports differ from one" >&2; exit 1; }
  phase "$b/point" 1 "target_identity=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$identity")&$pruned"
  kill "$pid_d"
  wait "$pid_d" 2>/dev/null || true
done

mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
report() {
  echo "Machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
    "commit $(git -C "$ROOT" rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg). exportd on CPU $cpu_server, curl on CPU $cpu_client."
  echo
  echo "Store: $customizations customizations, catalog of $catalog items, $(mib $((store_bytes / 1024))) MiB on disk, made by \`exportctl demo\` in $demo_s s."
  echo
  echo "| catalog budget | phase | answer bytes | wall s | peak RssAnon MiB | peak RssFile MiB |"
  echo "|---|---|---|---|---|---|"
  local b p
  for b in "${budgets[@]}"; do
    echo "| $(mib $((b / 1024))) MiB | idle | - | - | $(mib "${anon[$b/idle]}") | $(mib "${file[$b/idle]}") |"
    for p in 1 "$clients" point; do
      local label="$p pruned exports at once"
      [ "$p" = 1 ] && label="1 pruned export"
      [ "$p" = point ] && label="1 point export (target_identity), pruned"
      echo "| $(mib $((b / 1024))) MiB | $label | ${bytes[$b/$p]} | ${wall[$b/$p]} | $(mib "${anon[$b/$p]}") | $(mib "${file[$b/$p]}") |"
    done
  done
}
if [ -n "$out" ]; then report | tee "$out"; else report; fi
