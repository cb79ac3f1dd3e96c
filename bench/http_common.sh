# Shared by the HTTP benchmarks (http_bench.sh, conditional_bench.sh):
# building the programs, a scratch directory cleaned up on exit with the
# servers started in it, CPU pinning and ports.
# shellcheck shell=bash

# http_bench_setup BUILD_DIR NAME PACKAGES...: builds exportd and exportctl
# into BUILD_DIR and sets exportd, exportctl, tmp, pids, cpu_server,
# cpu_client, port_d (exportd) and port_n (nginx).
http_bench_setup() {
  local dir=$1 name=$2
  shift 2
  ensure_packages "${PACKAGES[@]}" "$@"
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIBEXPORT_BUILD_APP=ON >/dev/null
  cmake --build "$dir" --target exportd exportctl >/dev/null
  exportd="$dir/app/exportd"
  exportctl="$dir/app/exportctl"
  tmp=$(mktemp -d "/tmp/libexport-$name-XXXXXX")
  pids=()
  trap http_bench_cleanup EXIT
  cpu_server="0" cpu_client="1"
  [ "$(nproc)" -lt 2 ] && cpu_client="0"
  port_d=$((20000 + RANDOM % 10000))
  port_n=$((port_d + 1))
}

http_bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}

# api_auth TRACKER KEY PATH: the Authorization value of a signed POST to
# PATH with Content-Type $ctype and Date $date_h (docs/http_api.md).
api_auth() {
  local sig
  sig=$(printf 'POST\n%s\n%s\n%s' "$ctype" "$date_h" "$3" |
    openssl dgst -sha256 -hmac "$2" -binary | base64)
  echo "ApiAuth $1:$sig"
}

# wait_for_url URL: until it answers (10 s at most).
wait_for_url() {
  local _
  for _ in $(seq 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
}
