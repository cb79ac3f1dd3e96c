#!/bin/bash
# check_units.sh SOURCE_DIR EXPORTD EXPORTCTL [EXTRA_LINE]
#
# `systemd-analyze verify` on deploy/exportd.service and
# deploy/exportctl-verify.{service,timer}, with ExecStart= pointing at the
# built programs (verify checks that they exist and are executable). Any
# warning fails, not only errors: systemd-analyze exits 0 on an unknown key.
# EXTRA_LINE, when given, is appended to exportd.service's [Service] section
# (the test that this check can fail). Exit 77 (ctest's SKIP_RETURN_CODE)
# when systemd-analyze is not installed.
set -euo pipefail
src=$1 exportd=$2 exportctl=$3 extra=${4:-}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=(exportd.service exportctl-verify.service exportctl-verify.timer)
for unit in "${units[@]}"; do
  sed -e "s|/usr/bin/exportd|$exportd|g" -e "s|/usr/bin/exportctl|$exportctl|g" \
    "$src/deploy/$unit" >"$tmp/$unit"
done
if [ -n "$extra" ]; then
  sed -i "s|^\[Service\]$|[Service]\n$extra|" "$tmp/exportd.service"
fi
# The notify protocol and the hardening docs/operations.md promises.
for line in Type=notify DynamicUser=yes StateDirectory=libexport \
  ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
  SystemCallFilter=@system-service; do
  if ! grep -qx "$line" "$tmp/exportd.service"; then
    echo "FAIL: deploy/exportd.service lacks $line"
    exit 1
  fi
done
cd "$tmp"
status=0
out=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify "${units[@]/#/./}" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "$out"
  echo "FAIL: systemd-analyze verify exited $status or warned (above)"
  exit 1
fi
echo "ok: systemd-analyze verify ${units[*]}: no error, no warning"
