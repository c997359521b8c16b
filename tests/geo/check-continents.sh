#!/usr/bin/env bash
# check-continents.sh -- compare the country -> continent table with libGeoIP's
# SPDX-License-Identifier: MIT
#
# usage: tests/geo/check-continents.sh     (needs libgeoip-dev; exit 0 = same mapping)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -e /usr/include/GeoIP.h ]; then
    echo "check-continents: libgeoip-dev is not installed (apt-get install libgeoip-dev); skipped"
    exit 0
fi
out=${BUILD:-build}/geo
mkdir -p "$out"
cc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -Icompiler -o "$out/check_continents" \
   tests/geo/check_continents.c compiler/geocodes.c compiler/arena.c compiler/diag.c -lGeoIP
"$out/check_continents"
