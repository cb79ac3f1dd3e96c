#!/usr/bin/env bash
# Builds and runs one of the consumer projects (ctest: package_*).
#   run_consumer.sh find_package    LIBEXPORT_BUILD_DIR WORK_DIR
#   run_consumer.sh add_subdirectory LIBEXPORT_SOURCE_DIR WORK_DIR
# find_package: `cmake --install` of the build into WORK_DIR/prefix, then the
# consumer finds it there. add_subdirectory: the consumer builds libexport
# from the sources (only what it links). No build type for the consumer:
# both the host and libexport then compile without optimization, which is
# quick.
set -euo pipefail
kind=$1
from=$(cd "$2" && pwd)
work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
case "$kind" in
  find_package)
    cmake --install "$from" --prefix "$work/prefix" >/dev/null
    cmake -S "$here/find_package" -B "$work/build" "${generator[@]}" \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
    ;;
  add_subdirectory)
    cmake -S "$here/add_subdirectory" -B "$work/build" "${generator[@]}" \
      -DLIBEXPORT_SOURCE_DIR="$from" >/dev/null
    ;;
  *) echo "usage: run_consumer.sh find_package|add_subdirectory DIR WORK_DIR" >&2; exit 2 ;;
esac
cmake --build "$work/build" --target consumer
mkdir -p "$work/run"
"$work/build/consumer" "$work/run"
