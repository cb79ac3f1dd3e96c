#!/usr/bin/env bash
# Conditional export benchmark: polling an unchanged export with
# If-None-Match (answered 304, no body, no customization read) on a small
# tracker and on a large one, against nginx answering 304 for a static file
# by its own ETag. exportd and nginx run on CPU 0, wrk on CPU 1; every run is
# bounded (DURATION seconds). Prints a Markdown report; exits 1 when a
# request is not a 304 or transfers a body.
#   bench/conditional_bench.sh [--build-dir DIR] [--out FILE] [--duration S]
#                              [--customizations N]   (large tracker, 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" out="" duration=5 customizations=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --duration) duration=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    *) echo "usage: bench/conditional_bench.sh [--build-dir DIR] [--out FILE] [--duration S] [--customizations N]" >&2; exit 2 ;;
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
wait_for_url "http://127.0.0.1:$port_d/healthz"

ctype="application/json"
date_h=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
query="remove_expired_pins=true&remove_nonexisting_item_pins=true"
declare -A auth etag
mkdir -p "$tmp/www"
for t in small large; do
  path="/v1/recommender/pin/$t/scopes/export"
  sig=$(printf 'POST\n%s\n%s\n%s' "$ctype" "$date_h" "$path" |
    openssl dgst -sha256 -hmac "${key[$t]}" -binary | base64)
  auth[$t]="ApiAuth $t:$sig"
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

declare -A rps lat50 lat99
run_wrk() {  # NAME URL LUA
  local o
  cat >"$tmp/$1.lua" <<<"$3"
  o=$(taskset -c $cpu_client wrk -t1 -c32 -d"${duration}s" --latency -s "$tmp/$1.lua" "$2")
  if grep -q "Non-2xx or 3xx" <<<"$o"; then
    echo "conditional_bench: $1 got answers other than 304" >&2
    echo "$o" >&2
    exit 1
  fi
  rps[$1]=$(awk '/Requests\/sec/{print $2}' <<<"$o")
  lat50[$1]=$(awk '$1=="50%"{print $2}' <<<"$o")
  lat99[$1]=$(awk '$1=="99%"{print $2}' <<<"$o")
}

for t in small large; do
  path="/v1/recommender/pin/$t/scopes/export"
  check_304 "exportd/$t" -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: ${auth[$t]}" -H "If-None-Match: ${etag[$t]}" \
    "http://127.0.0.1:$port_d$path?$query"
  run_wrk "exportd-$t" "http://127.0.0.1:$port_d$path?$query" "wrk.method = \"POST\"
wrk.headers[\"Content-Type\"] = \"$ctype\"
wrk.headers[\"Date\"] = \"$date_h\"
wrk.headers[\"Authorization\"] = \"${auth[$t]}\"
wrk.headers[\"If-None-Match\"] = '${etag[$t]}'"
done
check_304 nginx -H "If-None-Match: $nginx_etag" "http://127.0.0.1:$port_n/large.json"
run_wrk nginx "http://127.0.0.1:$port_n/large.json" \
  "wrk.headers[\"If-None-Match\"] = '$nginx_etag'"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2f", a/b }'; }
report() {
  echo "Machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
    "commit $(git -C "$ROOT" rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg). Servers on CPU $cpu_server, wrk on CPU $cpu_client, 32 connections, ${duration}s per run."
  echo
  echo "| case | customizations | export body (bytes) | req/s | p50 | p99 |"
  echo "|---|---|---|---|---|---|"
  echo "| exportd 304, small tracker | 1000 | $(stat -c %s "$tmp/www/small.json") | ${rps[exportd-small]} | ${lat50[exportd-small]} | ${lat99[exportd-small]} |"
  echo "| exportd 304, large tracker | $customizations | $(stat -c %s "$tmp/www/large.json") | ${rps[exportd-large]} | ${lat50[exportd-large]} | ${lat99[exportd-large]} |"
  echo "| nginx 304, static file | - | $(stat -c %s "$tmp/www/large.json") | ${rps[nginx]} | ${lat50[nginx]} | ${lat99[nginx]} |"
  echo
  echo "Cost of a poll, large / small tracker: $(ratio "${rps[exportd-small]}" "${rps[exportd-large]}")x" \
    "(1.00 = no growth). exportd / nginx rate (large tracker): $(ratio "${rps[exportd-large]}" "${rps[nginx]}")."
}
if [ -n "$out" ]; then report | tee "$out"; else report; fi
