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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Without --no-block, systemd-run waits for the start job: for Type=notify,
# until READY=1.
systemd-run "${scope[@]}" --unit="$unit" --collect -p Type=notify \
  "$exportd" --store "$tmp/store" --listen "127.0.0.1:$port"
body=$(curl -fsS "http://127.0.0.1:$port/healthz")
if [ "$body" != '{"status":"ok"}' ]; then
  echo "FAIL: /healthz right after READY=1 answered: $body"
  exit 1
fi
systemctl "${scope[@]}" stop "$unit"
echo "ok: exportd started as Type=notify under systemd and stopped"
