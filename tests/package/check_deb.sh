#!/usr/bin/env bash
# Builds the .deb with CPack from a build directory and checks it as a user
# would see it (ctest: package_deb): its files, its Depends, and that the
# exportd inside it runs.
#   check_deb.sh BUILD_DIR WORK_DIR VERSION COMMIT
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
version=$3
commit=$4
rm -rf "$work"
mkdir -p "$work"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >/dev/null
debs=("$work"/out/libexport_"$version"_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || { echo "no libexport_${version}_*.deb in $work/out"; exit 1; }
echo "== $(basename "$deb")"

fail=0
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in usr/bin/exportd usr/bin/exportctl \
         usr/include/libexport/store.h usr/include/libexport/version.h \
         usr/include/libexport/http/export_routes.h \
         usr/lib/libexport.a usr/lib/libexport_http.a \
         usr/lib/cmake/libexport/libexportConfig.cmake \
         usr/lib/cmake/libexport/libexportConfigVersion.cmake \
         usr/lib/pkgconfig/libexport.pc usr/lib/pkgconfig/libexport-http.pc \
         usr/share/doc/libexport/LICENSE usr/share/doc/libexport/NOTICE \
         usr/share/doc/libexport/README.md usr/share/doc/libexport/docs/embedding.md \
         usr/lib/systemd/system/exportd.service \
         usr/lib/systemd/system/exportctl-verify.service \
         usr/lib/systemd/system/exportctl-verify.timer; do
  grep -qx "\./$f" <<<"$contents" || { echo "missing from the package: /$f"; fail=1; }
done
# Nothing of the build or the tests.
if grep -E 'libexport_demo|_internal|/tests?/|/bench/|/src/' <<<"$contents"; then
  echo "the package holds files it should not (above)"; fail=1
fi

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for p in libcpp-httplib0.11 libssl3 liblmdb0 libsimdjson14 libstdc++6; do
  grep -q "\b$p\b" <<<"$depends" || { echo "Depends lacks $p"; fail=1; }
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "Version is not $version"; fail=1; }

dpkg-deb -x "$deb" "$work/root"
expected="exportd $version"
[ -n "$commit" ] && expected+=" (git $commit)"
for program in exportd exportctl; do
  got=$("$work/root/usr/bin/$program" --version)
  want=${expected/exportd/$program}
  [ "$got" = "$want" ] || { echo "$program --version printed '$got', expected '$want'"; fail=1; }
done
exit $fail
