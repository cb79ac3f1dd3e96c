#!/bin/bash
# systemd_run.sh EXPORTD EXPORTCTL
#
# exportd as a transient Type=notify service under a running systemd:
# `systemd-run` returns once exportd sent READY=1, /healthz must answer at
# once, `systemctl stop` must end it cleanly. Needs a systemd that runs as
# PID 1 (or a user manager) and a bus to reach it: most containers have
# neither, and then this exits 77 (skipped) saying which is missing.
set -euo pipefail
exportd=$1 exportctl=$2

if ! command -v systemd-run >/dev/null 2>&1; then
  echo "SKIP: systemd-run is not installed"
  exit 77
fi
scope=()
if [ -d /run/systemd/system ] && [ "$(id -u)" -eq 0 ]; then
  scope=()
elif systemctl --user is-system-running >/dev/null 2>&1; then
  scope=(--user)
else
  echo "SKIP: no running systemd here (/run/systemd/system missing, no user" \
    "manager: $(systemd-run --user --wait true 2>&1 | head -1))"
  exit 77
fi
tmp=$(mktemp -d)
unit="exportd-test-$$"
cleanup() {
  systemctl "${scope[@]}" stop "$unit" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
"$exportctl" --store "$tmp/store" tracker add t >/dev/null
# Without --no-block, systemd-run waits for the start job: for Type=notify,
# until READY=1. Port 0: exportd binds a free port and names it in the
# STATUS= it sends with READY=1 ("listening on http://127.0.0.1:PORT").
systemd-run "${scope[@]}" --unit="$unit" --collect -p Type=notify \
  "$exportd" --store "$tmp/store" --listen "127.0.0.1:0"
status=$(systemctl "${scope[@]}" show --value -p StatusText "$unit")
port=${status##*:}
if [[ ! $port =~ ^[0-9]+$ ]]; then
  echo "FAIL: the unit's status after READY=1 names no port: $status"
  exit 1
fi
body=$(curl -fsS "http://127.0.0.1:$port/healthz")
if [ "$body" != '{"status":"ok"}' ]; then
  echo "FAIL: /healthz right after READY=1 answered: $body"
  exit 1
fi
systemctl "${scope[@]}" stop "$unit"
echo "ok: exportd started as Type=notify under systemd and stopped"
