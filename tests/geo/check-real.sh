#!/usr/bin/env bash
# check-real.sh -- compile a real-world country CSV and check the folded table against it
# SPDX-License-Identifier: MIT
#
# usage: tests/geo/check-real.sh [COUNT]        (run from the repository root)
#
# Fetches @ip-location-db/geo-whois-asn-country (scripts/fetch-geodata.sh,
# into build/geodata), builds tests/geo/check_real.c against compiler/geodata.c
# and compiler/prefix.c, loads the whole IPv4+IPv6 CSV, folds it (outcome =
# country) and compares COUNT (default 100000) random lookups in the folded
# trie with a plain binary search over the CSV. Prints load/fold time and the
# table's size. When libmaxminddb-dev is installed it also fetches the same
# data as a .mmdb and checks (tests/geo/check_mmdb.c) that the tree walk
# agrees with libmaxminddb's lookups and gives exactly the CSV's range list.
# Exit: 0 all agree, 1 mismatch, 2 setup failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
out=${BUILD:-build}/geo
mkdir -p "$out"
mm=0
if [ -e /usr/include/maxminddb.h ] || [ -e /usr/include/x86_64-linux-gnu/maxminddb.h ]; then mm=1; fi
if [ $mm = 1 ]; then
    paths=$(bash scripts/fetch-geodata.sh --mmdb build/geodata)
    csv=$(echo "$paths" | tail -n 2 | head -n 1)
    mmdb=$(echo "$paths" | tail -n 1)
else
    csv=$(bash scripts/fetch-geodata.sh build/geodata | tail -n 1)
fi
src="compiler/geodata.c compiler/prefix.c compiler/prefix_lookup.c compiler/arena.c compiler/diag.c"
flags="-std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -D_GNU_SOURCE -Icompiler"
cc $flags -o "$out/check_real" tests/geo/check_real.c $src
rc=0
"$out/check_real" "$csv" "$count" || rc=1
if [ $mm = 1 ]; then
    cc $flags -o "$out/check_mmdb" tests/geo/check_mmdb.c $src -lmaxminddb
    "$out/check_mmdb" "$mmdb" "$count" "$csv" || rc=1
else
    echo "check-real: libmaxminddb-dev not installed: MaxMind DB comparison skipped"
fi
exit $rc
