# Shared by scripts/run and scripts/test: Debian packages and the build.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the tests and the benchmarks use, all from Debian 12.
PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libcpp-httplib-dev libcli11-dev libssl-dev zlib1g-dev libzstd-dev zstd libbrotli-dev
  libsimdjson-dev liblmdb-dev lmdb-utils libxxhash-dev
  catch2 libbenchmark-dev libsqlite3-dev valgrind
  openssl curl ca-certificates python3 python3-jsonschema python3-yaml git clang-format
  nginx-light
  libsystemd-dev prometheus
)

# Installs the packages that are missing; runs apt-get update only then.
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build BUILD_DIR [cmake args...]
# Builds every target, or only those in BUILD_TARGETS (space separated).
configure_and_build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  local targets=()
  local t
  for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
}
