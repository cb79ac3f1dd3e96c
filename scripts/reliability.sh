# Shared by scripts/soak and scripts/crash-test: the Release programs in
# build-rel/, a temporary work directory, and /proc readings.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REL="$ROOT/build-rel"
EXPORTCTL="$REL/app/exportctl"
EXPORTD="$REL/app/exportd"

# Builds exportctl and exportd only (no tests, no benchmarks).
build_rel() {
  ensure_packages "${PACKAGES[@]}" "$@"
  cmake -S "$ROOT" -B "$REL" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLIBEXPORT_BUILD_TESTS=OFF -DLIBEXPORT_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$REL" -j "$(nproc)" --target exportctl exportd >/dev/null
}

# A free loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# rss_kb PID, fds PID
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }

# Reader slots in use in a store (mdb_stat -r lists one line per slot,
# after a header of two lines): "pid thread txnid". mdb_stat -r exits 1
# even when it worked (lmdb-utils 0.9.24).
reader_slots() {
  { mdb_stat -r "$1" || true; } | awk 'NR>2 && $1 ~ /^[0-9]+$/' | wc -l
}

# Waits until 127.0.0.1:PORT accepts (at most 10 s).
wait_port() {
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}
