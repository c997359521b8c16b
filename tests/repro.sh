#!/usr/bin/env bash
# repro.sh -- reproducible builds: the same inputs give byte-identical server binaries
# SPDX-License-Identifier: MIT
#
# Builds every example (examples/*.zpl, examples/*.zone; tests/zones/basic.zone when there
# are none) twice, from two copies of the sources in different directories, with different
# TZ, LANG/LC_ALL, umask and working directory, and compares the outputs with cmp. Also
# checks that `file OUT` says "statically linked" and that `OUT --version` names each zone
# and its SOA serial.
# env: BUILD (default build), ZONEC.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/servers.sh"
lib_init
[ -x "$ZONEC" ] || { echo "repro: $ZONEC not built"; exit 2; }

inputs=()
for f in "$ROOT"/examples/*.zpl "$ROOT"/examples/*.zone; do [ -f "$f" ] && inputs+=("$f"); done
[ ${#inputs[@]} -eq 0 ] && inputs=("$ROOT/tests/zones/basic.zone")

pass=0 fail=0
bad() { echo "FAIL repro: $*"; fail=$((fail + 1)); }
for src in "${inputs[@]}"; do
    name=$(basename "$src")
    srcdir=$(dirname "$src")
    for side in a b; do
        # Different directory depth and name on each side; the whole source dir is copied
        # so includes and "records from" files resolve the same way.
        d=$LIB_TMP/$side
        [ $side = b ] && d=$LIB_TMP/b/deeper/dir
        mkdir -p "$d/src" "$d/out"
        cp -r "$srcdir"/. "$d/src/"
    done
    (cd "$LIB_TMP/a/src" && umask 022 && \
        TZ=UTC LANG=C LC_ALL=C "$ZONEC" build "$name" -o ../out/server) >"$LIB_TMP/a.log" 2>&1
    rca=$?
    (cd "$LIB_TMP/b/deeper/dir" && umask 077 && \
        TZ=Asia/Kathmandu LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 \
        "$ZONEC" build "src/$name" -o out/server) >"$LIB_TMP/b.log" 2>&1
    rcb=$?
    if [ $rca != 0 ] || [ $rcb != 0 ]; then
        bad "$name: build failed (exit $rca / $rcb)"; head -n 5 "$LIB_TMP/a.log" "$LIB_TMP/b.log"
        rm -rf "$LIB_TMP/a" "$LIB_TMP/b"; continue
    fi
    A=$LIB_TMP/a/out/server B=$LIB_TMP/b/deeper/dir/out/server
    if cmp "$A" "$B"; then pass=$((pass + 1)); else bad "$name: outputs differ"; fi
    if file "$A" | grep -q "statically linked"; then pass=$((pass + 1))
    else bad "$name: not statically linked: $(file -b "$A")"; fi
    ver=$("$A" --version 2>&1)
    # Every zone's apex and SOA serial must appear in --version.
    if [ "${src##*.}" = zone ]; then
        pairs=("$("$PY" -c 'import sys, dns.zone
z = dns.zone.from_file(sys.argv[1], relativize=False)
print(z.origin.to_text(), z.get_rdataset(z.origin, "SOA")[0].serial)' "$src")")
    else
        pairs=()
        while read -r o serial; do pairs+=("$o $serial"); done < <(awk '
            $1 == "zone" { z = $2 }
            $1 == "soa" { for (i = 1; i <= NF; i++) if ($i == "serial") { s = $(i + 1); sub(/;$/, "", s); print z, s } }' "$src")
    fi
    [ ${#pairs[@]} -gt 0 ] || bad "$name: cannot find the zone's SOA serial in the source"
    for p in "${pairs[@]}"; do
        set -- $p ""
        if [ -n "$2" ] && echo "$ver" | grep -qi -- "${1%.}" && echo "$ver" | grep -q -- "$2"; then
            pass=$((pass + 1))
        else
            bad "$name: --version does not name zone $1 serial $2: $ver"
        fi
    done
    rm -rf "$LIB_TMP/a" "$LIB_TMP/b"
done
echo "repro: $pass passed, $fail failed"
[ $fail -eq 0 ]
