#!/usr/bin/env bash
# Whole-process export against the LMDB floor (issue 15): `exportctl export`
# of a seeded tracker, without and with both prunings, against
# libexport_floor (bench/floor_main.cpp: every stored value of the tracker
# copied to stdout, nothing else; floor_verify: the same walk checking each
# value's checksum as the export does), all writing to /dev/null. The cases run
# in turn, ROUNDS rounds, and each reports the median of its CPU time
# (user + system, which the neighbours of a shared machine do not inflate)
# and of its wall time. Prints a Markdown table.
#   bench/floor_bench.sh [--build-dir DIR] [--customizations N] [--rounds R]
set -euo pipefail
build_dir=build
customizations=100000
rounds=7
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build_dir=$2; shift ;;
    --customizations) customizations=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) echo "usage: bench/floor_bench.sh [--build-dir DIR] [--customizations N] [--rounds R]" >&2; exit 2 ;;
  esac
  shift
done
exportctl=$build_dir/app/exportctl
floor=$build_dir/bench/libexport_floor
for tool in "$exportctl" "$floor"; do
  [[ -x $tool ]] || { echo "floor_bench: $tool is missing (build first)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$exportctl" --store "$tmp/store" demo --tracker bench \
  --customizations "$customizations" --catalog "$customizations" --seed 42 >/dev/null
now=2026-11-29T00:00:00Z
declare -A cmd=(
  [floor]="$floor $tmp/store bench"
  [floor_verify]="$floor --verify $tmp/store bench"
  [export]="$exportctl --store $tmp/store export bench --now $now"
  [export_both]="$exportctl --store $tmp/store export bench --now $now --remove-expired-pins --remove-nonexisting-item-pins"
)
cases=(floor floor_verify export export_both)
# Warm the page cache once per case, and check that each one wrote something.
for c in "${cases[@]}"; do
  bytes=$(${cmd[$c]} 2>"$tmp/err" | wc -c) || {
    echo "floor_bench: $c failed: $(cat "$tmp/err")" >&2; exit 1; }
  [[ $bytes -gt 0 ]] || { echo "floor_bench: $c wrote nothing" >&2; exit 1; }
  echo "$c: $bytes bytes" >&2
done
# One line per run: case cpu_seconds wall_seconds.
TIMEFORMAT='%U %S %R'
for ((r = 0; r < rounds; r++)); do
  for c in "${cases[@]}"; do
    t=$( { time ${cmd[$c]} >/dev/null 2>/dev/null; } 2>&1 )
    read -r user sys wall <<<"$t"
    awk -v c="$c" -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN { print c, u + s, w }' >>"$tmp/runs"
  done
done
median() {  # case column
  awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$tmp/runs" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "Commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo ?); $(date -u +%FT%RZ);" \
  "$customizations customizations; $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| case | median CPU s | median wall s | CPU / floor | wall / floor |"
echo "|---|---|---|---|---|"
fc=$(median floor 2)
fw=$(median floor 3)
for c in "${cases[@]}"; do
  mc=$(median "$c" 2)
  mw=$(median "$c" 3)
  printf '| %s | %.3f | %.3f | %.2fx | %.2fx |\n' "$c" "$mc" "$mw" \
    "$(awk -v a="$mc" -v b="$fc" 'BEGIN { print a / b }')" \
    "$(awk -v a="$mw" -v b="$fw" 'BEGIN { print a / b }')"
done
