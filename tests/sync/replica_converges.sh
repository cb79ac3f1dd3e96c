#!/bin/bash
# replica_converges.sh EXPORTD EXPORTCTL
#
# The replica deployment of docs/operations.md, end to end with the built
# programs: exportd serves a primary store on 127.0.0.1:<any>; `exportctl
# sync --follow` keeps a replica store equal to it while exportctl writes to
# the primary in a loop (imports, replaces that delete, catalog changes) for
# a few seconds; once the writes stop, the replica must converge to the
# primary: `exportctl export --now T` byte-identical on both, within 20 s.
set -euo pipefail
exportd=$1 exportctl=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
primary=$tmp/primary replica=$tmp/replica at=2026-11-29T12:00:00Z
printf 'replica-test-key-0123456789\n' >"$tmp/key"
"$exportctl" --store "$primary" tracker add shop --key-file "$tmp/key" >/dev/null

"$exportd" --store "$primary" --listen 127.0.0.1:0 >"$tmp/exportd.out" 2>"$tmp/exportd.err" &
pids+=($!)
for _ in $(seq 100); do
  grep -q 'listening on http://127.0.0.1:' "$tmp/exportd.out" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/exportd.out" | head -n1)
[ -n "$url" ] || { echo "exportd did not start:"; cat "$tmp/exportd.err"; exit 1; }

"$exportctl" --store "$replica" sync shop --from "$url" --key-file "$tmp/key" \
  --follow --limit 25 --interval 0.2 >"$tmp/sync.out" 2>"$tmp/sync.err" &
pids+=($!)

# One customization: id n, a model and a pin that vary with the round.
record() {
  printf '{"id":"00000000-0000-4000-8000-%012x","model":"m%d","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/%d/"}],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-0%dT00:00:00Z"}\n' \
    "$1" $(($2 % 3)) $(($2 % 7)) $(($2 % 9 + 1))
}
end=$((SECONDS + 6)) round=0
while [ $SECONDS -lt $end ]; do
  round=$((round + 1))
  : >"$tmp/batch.ndjson"
  for i in $(seq 0 9); do record $(((round * 7 + i * 13) % 200)) $((round + i)) >>"$tmp/batch.ndjson"; done
  if [ $((round % 5)) -eq 0 ]; then
    # A replace: every record not in the batch is deleted.
    "$exportctl" --store "$primary" import shop "$tmp/batch.ndjson" --replace >/dev/null
  else
    "$exportctl" --store "$primary" import shop "$tmp/batch.ndjson" --on-conflict override >/dev/null
  fi
  printf '/p/%d/\n' $((round % 7)) >"$tmp/items"
  if [ $((round % 2)) -eq 0 ]; then
    "$exportctl" --store "$primary" catalog add shop "$tmp/items" >/dev/null
  else
    "$exportctl" --store "$primary" catalog remove shop "$tmp/items" >/dev/null
  fi
done
echo "$round write rounds on the primary"

for flags in "" "--remove-nonexisting-item-pins"; do
  "$exportctl" --store "$primary" export shop --now "$at" $flags >"$tmp/primary.json"
  converged=no
  for _ in $(seq 100); do
    if "$exportctl" --store "$replica" export shop --now "$at" $flags >"$tmp/replica.json" 2>/dev/null &&
      cmp -s "$tmp/primary.json" "$tmp/replica.json"; then
      converged=yes
      break
    fi
    sleep 0.2
  done
  if [ $converged != yes ]; then
    echo "the replica did not converge (export $flags):"
    diff "$tmp/primary.json" "$tmp/replica.json" | head -20 || true
    echo "--- sync stdout"; tail -5 "$tmp/sync.out"
    echo "--- sync stderr"; tail -5 "$tmp/sync.err"
    exit 1
  fi
done
echo "converged: $(wc -c <"$tmp/primary.json") bytes byte-identical; sync printed $(wc -l <"$tmp/sync.out") lines"
if [ -s "$tmp/sync.err" ]; then echo "--- sync stderr (retried)"; cat "$tmp/sync.err"; fi
exit 0
