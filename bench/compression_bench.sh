#!/usr/bin/env bash
# Compressed exports over HTTP: exportd on a seeded demo store, the full
# export (both prunings) fetched with curl as identity, zstd and gzip, in
# turns, REPEAT times each (same run, same machine). For each coding: bytes
# on the wire, the median wall time of a fetch, and the rate at which the
# uncompressed bytes are delivered (uncompressed size / time), as a ratio
# against identity; and the same from exportd's own CPU time per fetch (the
# sum over its threads of /proc/PID/task/*/schedstat, nanoseconds), which a
# loaded machine disturbs far less than wall time. Prints a Markdown table.
#   bench/compression_bench.sh [--build-dir DIR] [--customizations N] [--repeat R]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" customizations=100000 repeat=7
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    *) echo "usage: bench/compression_bench.sh [--build-dir DIR] [--customizations N] [--repeat R]" >&2; exit 2 ;;
  esac
  shift
done

ensure_packages "${PACKAGES[@]}"
cmake -S "$ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --target exportd exportctl >/dev/null
exportd="$build_dir/app/exportd" exportctl="$build_dir/app/exportctl"

tmp=$(mktemp -d /tmp/libexport-compression-bench-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

key=$("$exportctl" --store "$tmp/store" demo --tracker bench \
  --customizations "$customizations" --catalog "$customizations" --seed 42 |
  awk '/^key:/{print $2}')
cpu_server=0 cpu_client=1
[ "$(nproc)" -lt 2 ] && cpu_client=0
taskset -c $cpu_server "$exportd" --store "$tmp/store" --listen 127.0.0.1:0 \
  --max-clock-skew 600 --no-access-log >"$tmp/exportd.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(grep -o '127.0.0.1:[0-9]*' "$tmp/exportd.log" | head -1 | cut -d: -f2) && [ -n "$port" ] && break
  sleep 0.1
done

path="/v1/recommender/pin/bench/scopes/export"
query="as_of=2026-11-29T12:00:00Z&remove_expired_pins=true&remove_nonexisting_item_pins=true"
ctype="application/json; charset=utf-8"
date_h=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
sig=$(printf 'POST\n%s\n%s\n%s' "$ctype" "$date_h" "$path" |
  openssl dgst -sha256 -hmac "$key" -binary | base64)
fetch() {  # CODING OUT -> prints "seconds bytes"
  taskset -c $cpu_client curl -s -f -X POST -H "Content-Type: $ctype" -H "Date: $date_h" \
    -H "Authorization: ApiAuth bench:$sig" -H "Accept-Encoding: $1" -o "$2" \
    -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$port$path?$query"
}

fetch identity "$tmp/plain.json" >/dev/null
fetch zstd "$tmp/body.zst" >/dev/null
fetch gzip "$tmp/body.gz" >/dev/null
# The coded bodies decode to the identity bytes (else the figures mean nothing).
zstd -q -d -c "$tmp/body.zst" | cmp -s - "$tmp/plain.json" || { echo "zstd body differs" >&2; exit 1; }
gzip -d -c "$tmp/body.gz" | cmp -s - "$tmp/plain.json" || { echo "gzip body differs" >&2; exit 1; }
plain=$(stat -c %s "$tmp/plain.json")

cpu_ns() { cat /proc/"$pid"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'; }
declare -A times bytes cpus
for _ in $(seq "$repeat"); do
  for c in identity zstd gzip; do
    c0=$(cpu_ns)
    read -r t b < <(fetch $c /dev/null)
    c1=$(cpu_ns)
    times[$c]+="$t "
    cpus[$c]+="$(((c1 - c0) / 1000)) "  # microseconds
    bytes[$c]=$b
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "Machine: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
  "commit $(git -C "$ROOT" rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg). $customizations customizations," \
  "full export with both prunings, $plain bytes uncompressed; exportd on CPU $cpu_server," \
  "curl on CPU $cpu_client; median of $repeat fetches each, interleaved."
echo
echo "| coding | bytes on the wire | x fewer than identity | median time | uncompressed MB/s delivered | rate vs identity | exportd CPU per fetch (median) | rate vs identity, by exportd CPU |"
echo "|---|---|---|---|---|---|---|---|"
t0=$(echo "${times[identity]}" | median)
u0=$(echo "${cpus[identity]}" | median)
for c in identity zstd gzip; do
  t=$(echo "${times[$c]}" | median)
  u=$(echo "${cpus[$c]}" | median)
  awk -v c=$c -v b="${bytes[$c]}" -v p="$plain" -v t="$t" -v t0="$t0" -v u="$u" -v u0="$u0" 'BEGIN{
    printf "| %s | %d | %.1fx | %.3f s | %.0f | %.0f%% | %.3f s | %.0f%% |\n",
      c, b, p/b, t, p/t/1e6, 100*t0/t, u/1e6, 100*u0/u }'
done
echo
for c in identity zstd gzip; do
  echo "$c: wall s ${times[$c]}; exportd CPU us ${cpus[$c]}"
done
