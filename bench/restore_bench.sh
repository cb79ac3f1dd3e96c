#!/usr/bin/env bash
# Restore benchmark: a backup of a seeded tracker (an export document of N
# customizations) restored to a running exportd over HTTP with `exportctl
# restore` (one bulk request, conflict_strategy=replace, the body spooled to
# the store's directory), against `exportctl import --replace` of the same
# file into a local store. Both write into an empty tracker of a new store;
# the two are run ROUNDS times in turn so that a change of the machine's load
# hits both. Each round checks that the restored store exports the backup
# byte for byte. Prints a Markdown report with the medians and their ratio;
# exits 1 when a restore fails or is not byte-identical.
#   bench/restore_bench.sh [--build-dir DIR] [--out FILE] [--rounds R]
#                          [--customizations N]   (defaults: 3, 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

build_dir="$ROOT/build-bench" out="" rounds=3 customizations=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    *) echo "usage: bench/restore_bench.sh [--build-dir DIR] [--out FILE] [--rounds R] [--customizations N]" >&2; exit 2 ;;
  esac
  shift
done

source "$(dirname "$0")/http_common.sh"
http_bench_setup "$build_dir" restore-bench
tracker=bench
now=2026-12-01T00:00:00Z

echo "== demo store: $customizations customizations" >&2
"$exportctl" --store "$tmp/source" demo --tracker $tracker \
  --customizations "$customizations" --catalog "$customizations" --seed 42 >/dev/null
"$exportctl" --store "$tmp/source" tracker key $tracker >"$tmp/key"
"$exportctl" --store "$tmp/source" export $tracker --now $now >"$tmp/backup.json"
bytes=$(stat -c %s "$tmp/backup.json")

seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
local_s=() remote_s=() hwm_kb=()
for r in $(seq "$rounds"); do
  echo "== round $r: local import --replace" >&2
  "$exportctl" --store "$tmp/local$r" tracker add $tracker --key-file "$tmp/key" >/dev/null
  t0=$(seconds)
  "$exportctl" --store "$tmp/local$r" import $tracker "$tmp/backup.json" --replace >/dev/null
  t1=$(seconds)
  local_s+=("$(elapsed "$t0" "$t1")")
  rm -rf "$tmp/local$r"

  echo "== round $r: exportctl restore over HTTP" >&2
  "$exportctl" --store "$tmp/remote$r" tracker add $tracker --key-file "$tmp/key" >/dev/null
  "$exportd" --store "$tmp/remote$r" --listen 127.0.0.1:$port_d --no-access-log \
    --max-bulk-records $((customizations * 2)) --max-bulk-bytes $((bytes * 2)) \
    >"$tmp/exportd.log" 2>&1 &
  pid_d=$!
  pids+=($pid_d)
  wait_for_url "http://127.0.0.1:$port_d/healthz"
  t0=$(seconds)
  "$exportctl" restore $tracker "$tmp/backup.json" --url "http://127.0.0.1:$port_d" \
    --key-file "$tmp/key" >/dev/null
  t1=$(seconds)
  remote_s+=("$(elapsed "$t0" "$t1")")
  hwm_kb+=("$(awk '/^VmHWM:/{print $2}' /proc/$pid_d/status)")
  kill $pid_d && wait $pid_d 2>/dev/null || true
  "$exportctl" --store "$tmp/remote$r" export $tracker --now $now >"$tmp/restored.json"
  if ! cmp -s "$tmp/backup.json" "$tmp/restored.json"; then
    echo "restore_bench: round $r: the restored store does not export the backup byte for byte" >&2
    exit 1
  fi
  rm -rf "$tmp/remote$r" "$tmp/restored.json"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_local=$(median "${local_s[@]}")
m_remote=$(median "${remote_s[@]}")
ratio=$(awk -v a="$m_local" -v b="$m_remote" 'BEGIN {printf "%.2f", b / a}')
report=$(cat <<MD
## Restore of $customizations customizations ($bytes bytes), $rounds rounds

| case | median s | rounds (s) |
|---|---|---|
| \`exportctl import --replace\` (local) | $m_local | ${local_s[*]} |
| \`exportctl restore\` to exportd (HTTP) | $m_remote | ${remote_s[*]} |

restore / local import: **${ratio}x**; every restore exported the backup byte
for byte; exportd's peak RSS (VmHWM, kB) per round: ${hwm_kb[*]}.
MD
)
echo "$report"
if [ -n "$out" ]; then echo "$report" >"$out"; fi
