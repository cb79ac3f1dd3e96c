#!/usr/bin/env bash
# HTTP benchmark (issue 4, part 3): exportd on a seeded 1e5 store against
# nginx serving the same response bytes as static files, both on loopback,
# driven by wrk (throughput, latency percentiles) and hey (slowest request).
# Servers are pinned to CPU 0 and the load generators to CPU 1. Every load
# run is bounded (DURATION seconds). Prints a Markdown report.
#   bench/http_bench.sh [--build-dir DIR] [--out FILE] [--duration S]
#                       [--customizations N]   (default 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" out="" duration=5 customizations=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --duration) duration=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    *) echo "usage: bench/http_bench.sh [--build-dir DIR] [--out FILE] [--duration S]" >&2; exit 2 ;;
  esac
  shift
done

source "$(dirname "$0")/http_common.sh"
http_bench_setup "$build_dir" http-bench nginx-light wrk hey
tracker=bench

echo "== demo store: $customizations customizations" >&2
key=$("$exportctl" --store "$tmp/store" demo --tracker $tracker \
  --customizations $customizations --catalog $customizations --seed 42 |
  awk '/^key:/{print $2}')

# Long enough a skew that one signed Date survives a bounded run.
taskset -c $cpu_server "$exportd" --store "$tmp/store" --listen 127.0.0.1:$port_d \
  --threads 64 --max-clock-skew 600 --no-access-log >"$tmp/exportd.log" 2>&1 &
pid_d=$!
pids+=($pid_d)

path="/v1/recommender/pin/$tracker/scopes/export"
ctype="application/json"
date_h=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
auth=$(api_auth "$tracker" "$key" "$path")
wait_for_url "http://127.0.0.1:$port_d/"

signed_curl() {  # QUERY OUTFILE
  curl -s -f -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: $auth" -o "$2" "http://127.0.0.1:$port_d$path?$1"
}

# The cases: a point export, a medium one, the whole store streamed with
# both prunings, and the whole store as stored (no pruning: what a backup
# reads).
mkdir -p "$tmp/www"
signed_curl "model=basket&tag=sale&remove_expired_pins=true&remove_nonexisting_item_pins=true" "$tmp/www/medium.json"
identity=$(grep -m1 -o '"target_identity":"/p/[0-9]*/"' "$tmp/www/medium.json" | cut -d'"' -f4)
declare -A query=(
  [small]="target_identity=${identity//\//%2F}&remove_expired_pins=true&remove_nonexisting_item_pins=true"
  [medium]="model=basket&tag=sale&remove_expired_pins=true&remove_nonexisting_item_pins=true"
  [large]="remove_expired_pins=true&remove_nonexisting_item_pins=true"
  [full]=""
)
for c in small large full; do signed_curl "${query[$c]}" "$tmp/www/$c.json"; done

chmod -R a+rX "$tmp/www" && chmod a+x "$tmp"  # nginx workers drop root
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/json;
  server {
    listen 127.0.0.1:$port_n;
    root $tmp/www;
  }
}
CONF
taskset -c $cpu_server nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids+=($!)
wait_for_url "http://127.0.0.1:$port_n/small.json"

cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$ctype"
wrk.headers["Date"] = "$date_h"
wrk.headers["Authorization"] = "$auth"
LUA

declare -A rps lat50 lat99 latmax mbs slowest
run_wrk() {  # NAME CONNECTIONS URL [LUA]
  local name=$1 conns=$2 url=$3 lua=${4:-}
  local o
  o=$(taskset -c $cpu_client wrk -t1 -c"$conns" -d"${duration}s" --latency \
    ${lua:+-s "$lua"} "$url")
  rps[$name]=$(awk '/Requests\/sec/{print $2}' <<<"$o")
  lat50[$name]=$(awk '$1=="50%"{print $2}' <<<"$o")
  lat99[$name]=$(awk '$1=="99%"{print $2}' <<<"$o")
  latmax[$name]=$(awk '$1=="Latency"{print $4}' <<<"$o")
  mbs[$name]=$(awk '/Transfer\/sec/{print $2}' <<<"$o")
  if grep -q "Non-2xx" <<<"$o"; then
    echo "http_bench: $name got non-2xx answers" >&2
    echo "$o" >&2
    exit 1
  fi
}
run_hey() {  # NAME CONNECTIONS URL [POST]
  local name=$1 conns=$2 url=$3 post=${4:-}
  local o
  if [ -n "$post" ]; then
    o=$(taskset -c $cpu_client hey -z "${duration}s" -c "$conns" -m POST -T "$ctype" \
      -H "Date: $date_h" -H "Authorization: $auth" "$url")
  else
    o=$(taskset -c $cpu_client hey -z "${duration}s" -c "$conns" "$url")
  fi
  slowest[$name]=$(awk '/Slowest:/{printf "%.1fms", $2*1000}' <<<"$o")
}

rss_kib() { awk "/^$2:/{print \$2}" "/proc/$1/status"; }

conns=(32 32 4 4)
i=0
for c in small medium large full; do
  echo "== $c: $(stat -c %s "$tmp/www/$c.json") bytes" >&2
  run_wrk "exportd/$c" ${conns[$i]} "http://127.0.0.1:$port_d$path?${query[$c]}" "$tmp/post.lua"
  run_wrk "nginx/$c" ${conns[$i]} "http://127.0.0.1:$port_n/$c.json"
  if [ $c = small ] || [ $c = medium ]; then
    run_hey "exportd/$c" ${conns[$i]} "http://127.0.0.1:$port_d$path?${query[$c]}" post
    run_hey "nginx/$c" ${conns[$i]} "http://127.0.0.1:$port_n/$c.json"
  fi
  i=$((i + 1))
done

# RSS while streaming >= 1 GiB of results, one large export after another.
large_bytes=$(stat -c %s "$tmp/www/large.json")
n=$(((1073741824 + large_bytes - 1) / large_bytes))
echo 5 >"/proc/$pid_d/clear_refs"  # resets VmHWM to the current RSS
rss_before=$(rss_kib $pid_d VmRSS)
start=$(date +%s.%N)
for _ in $(seq $n); do
  signed_curl "${query[large]}" /dev/null
done
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
rss_peak=$(rss_kib $pid_d VmHWM)
rss_after=$(rss_kib $pid_d VmRSS)

to_mb() {  # wrk's "123.45MB" / "1.2GB" / "800KB" -> MB
  awk -v v="$1" 'BEGIN{n=v+0; if (v ~ /GB/) n*=1024; else if (v ~ /KB/) n/=1024; else if (v ~ /^[0-9.]+B$/) n/=1048576; printf "%.0f", n}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 > 0) printf "%.0f%%", 100*a/b; else print "-" }'; }

report() {
  echo "Machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
    "commit $(git -C "$ROOT" rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg). Servers on CPU $cpu_server, wrk/hey on CPU $cpu_client, ${duration}s per run."
  echo
  echo "| case | bytes | connections | server | req/s | p50 | p99 | max (wrk) | slowest (hey) | MB/s | exportd / nginx req/s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local i=0 c s
  for c in small medium large full; do
    for s in exportd nginx; do
      echo "| $c | $(stat -c %s "$tmp/www/$c.json") | ${conns[$i]} | $s | ${rps[$s/$c]} | ${lat50[$s/$c]} | ${lat99[$s/$c]} | ${latmax[$s/$c]} | ${slowest[$s/$c]:--} | $(to_mb "${mbs[$s/$c]}") | $([ $s = exportd ] && ratio "${rps[exportd/$c]}" "${rps[nginx/$c]}") |"
    done
    i=$((i + 1))
  done
  echo
  echo "Streaming: $n large exports ($((n * large_bytes / 1048576)) MiB) one after another in $(printf %.1f "$secs") s"\
    "= $(awk -v b=$((n * large_bytes)) -v s="$secs" 'BEGIN{printf "%.0f", b/1048576/s}') MiB/s (curl, one connection)."
  echo "exportd RSS: $((rss_before / 1024)) MiB before, $((rss_after / 1024)) MiB after, peak (VmHWM) $((rss_peak / 1024)) MiB"\
    "(growth $(((rss_peak - rss_before) / 1024)) MiB)."
}
if [ -n "$out" ]; then report | tee "$out"; else report; fi
