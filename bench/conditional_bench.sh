#!/usr/bin/env bash
# Conditional export benchmark: polling an unchanged export with
# If-None-Match (answered 304, no body, no customization read) on a small
# tracker and on a large one, against nginx answering 304 for a static file
# by its own ETag. exportd and nginx run on CPU 0, wrk on CPU 1; every run is
# bounded (DURATION seconds), and the three cases are run ROUNDS times in
# turn so that a change of the machine's load hits all of them. Each case
# reports its median wall rate and its rate per CPU-second of the server
# (requests / the server's user+system time during the run, from
# /proc/PID/stat): on a shared machine the wall rate measures the
# neighbours as much as the server, the CPU time only the server. Prints a
# Markdown report; exits 1 when a request is not a 304 or transfers a body.
#   bench/conditional_bench.sh [--build-dir DIR] [--out FILE] [--duration S]
#                              [--rounds R] [--customizations N]
#   (defaults: 5 s, 3 rounds, a large tracker of 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" out="" duration=5 rounds=3 customizations=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --duration) duration=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    *) echo "usage: bench/conditional_bench.sh [--build-dir DIR] [--out FILE] [--duration S] [--rounds R] [--customizations N]" >&2; exit 2 ;;
  esac
  shift
done

source "$(dirname "$0")/http_common.sh"
http_bench_setup "$build_dir" cond-bench nginx-light wrk

echo "== demo store: small 1000, large $customizations customizations" >&2
declare -A key
key[small]=$("$exportctl" --store "$tmp/store" demo --tracker small \
  --customizations 1000 --catalog 1000 --seed 42 | awk '/^key:/{print $2}')
key[large]=$("$exportctl" --store "$tmp/store" demo --tracker large \
  --customizations "$customizations" --catalog "$customizations" --seed 42 |
  awk '/^key:/{print $2}')

taskset -c $cpu_server "$exportd" --store "$tmp/store" --listen 127.0.0.1:$port_d \
  --threads 64 --max-clock-skew 600 --no-access-log >"$tmp/exportd.log" 2>&1 &
pids+=($!)
exportd_pid=$!
wait_for_url "http://127.0.0.1:$port_d/healthz"

ctype="application/json"
date_h=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
query="remove_expired_pins=true&remove_nonexisting_item_pins=true"
declare -A auth etag
mkdir -p "$tmp/www"
for t in small large; do
  path="/v1/recommender/pin/$t/scopes/export"
  auth[$t]=$(api_auth "$t" "${key[$t]}" "$path")
  etag[$t]=$(curl -s -f -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: ${auth[$t]}" -D - -o "$tmp/www/$t.json" \
    "http://127.0.0.1:$port_d$path?$query" | tr -d '\r' | sed -n 's/^etag: //Ip')
  [ -n "${etag[$t]}" ] || { echo "conditional_bench: no ETag from $t" >&2; exit 1; }
done

chmod -R a+rX "$tmp/www" && chmod a+x "$tmp"  # nginx workers drop root
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  default_type application/json;
  server {
    listen 127.0.0.1:$port_n;
    root $tmp/www;
    add_header Cache-Control "private, no-cache";
    add_header Vary "Accept, Accept-Encoding";
  }
}
CONF
taskset -c $cpu_server nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids+=($!)
nginx_pid=$!
wait_for_url "http://127.0.0.1:$port_n/large.json"
nginx_etag=$(curl -s -I "http://127.0.0.1:$port_n/large.json" | tr -d '\r' |
  sed -n 's/^etag: //Ip')

# Every case must be a 304 without a body before it is timed.
check_304() {  # NAME CURL-ARGS...
  local name=$1
  shift
  local got
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$@")
  if [ "$got" != "304 0" ]; then
    echo "conditional_bench: $name answered '$got', not '304 0'" >&2
    exit 1
  fi
}

# cpu_ticks PID: user+system clock ticks of PID and its children (nginx's
# worker) so far.
cpu_ticks() {
  local p total=0
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}

declare -A rps_runs cpu_runs lat50 lat99 lua url pid
run_wrk() {  # NAME
  local o before after requests
  before=$(cpu_ticks "${pid[$1]}")
  o=$(taskset -c $cpu_client wrk -t1 -c32 -d"${duration}s" --latency -s "$tmp/$1.lua" "${url[$1]}")
  after=$(cpu_ticks "${pid[$1]}")
  if grep -q "Non-2xx or 3xx" <<<"$o"; then
    echo "conditional_bench: $1 got answers other than 304" >&2
    echo "$o" >&2
    exit 1
  fi
  requests=$(awk '/requests in/{print $1}' <<<"$o")
  rps_runs[$1]+="$(awk '/Requests\/sec/{print $2}' <<<"$o") "
  cpu_runs[$1]+="$(awk -v r="$requests" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN{ printf "%.0f", (t > 0 ? r * hz / t : 0) }') "
  lat50[$1]+="$(awk '$1=="50%"{print $2}' <<<"$o") "
  lat99[$1]+="$(awk '$1=="99%"{print $2}' <<<"$o") "
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

for t in small large; do
  path="/v1/recommender/pin/$t/scopes/export"
  check_304 "exportd/$t" -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: ${auth[$t]}" -H "If-None-Match: ${etag[$t]}" \
    "http://127.0.0.1:$port_d$path?$query"
  url[exportd-$t]="http://127.0.0.1:$port_d$path?$query"
  pid[exportd-$t]=$exportd_pid
  cat >"$tmp/exportd-$t.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$ctype"
wrk.headers["Date"] = "$date_h"
wrk.headers["Authorization"] = "${auth[$t]}"
wrk.headers["If-None-Match"] = '${etag[$t]}'
LUA
done
check_304 nginx -H "If-None-Match: $nginx_etag" "http://127.0.0.1:$port_n/large.json"
url[nginx]="http://127.0.0.1:$port_n/large.json"
pid[nginx]=$nginx_pid
echo "wrk.headers[\"If-None-Match\"] = '$nginx_etag'" >"$tmp/nginx.lua"

cases=(exportd-small exportd-large nginx)
for round in $(seq "$rounds"); do
  echo "== round $round of $rounds" >&2
  for c in "${cases[@]}"; do run_wrk "$c"; done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2f", a/b }'; }
row() {  # LABEL CUSTOMIZATIONS BODY-FILE CASE
  echo "| $1 | $2 | $(stat -c %s "$3") | $(median "${rps_runs[$4]}") | $(median "${cpu_runs[$4]}") | $(median "${lat50[$4]}") | $(median "${lat99[$4]}") |"
}
report() {
  echo "Machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
    "commit $(git -C "$ROOT" rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg). Servers on CPU $cpu_server, wrk on CPU $cpu_client, 32 connections," \
    "$rounds rounds of ${duration}s per case, medians."
  echo
  echo "| case | customizations | export body (bytes) | req/s (wall) | req per server CPU-second | p50 | p99 |"
  echo "|---|---|---|---|---|---|---|"
  row "exportd 304, small tracker" 1000 "$tmp/www/small.json" exportd-small
  row "exportd 304, large tracker" "$customizations" "$tmp/www/large.json" exportd-large
  row "nginx 304, static file" - "$tmp/www/large.json" nginx
  echo
  local s l n sc lc nc
  s=$(median "${rps_runs[exportd-small]}") l=$(median "${rps_runs[exportd-large]}") n=$(median "${rps_runs[nginx]}")
  sc=$(median "${cpu_runs[exportd-small]}") lc=$(median "${cpu_runs[exportd-large]}") nc=$(median "${cpu_runs[nginx]}")
  echo "Cost of a poll, large / small tracker: $(ratio "$s" "$l")x wall, $(ratio "$sc" "$lc")x CPU" \
    "(1.00 = no growth). exportd / nginx rate (large tracker): $(ratio "$l" "$n") wall, $(ratio "$lc" "$nc") per CPU-second."
}
if [ -n "$out" ]; then report | tee "$out"; else report; fi
