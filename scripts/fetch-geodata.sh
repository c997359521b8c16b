#!/usr/bin/env bash
# fetch-geodata.sh -- fetch the real-world country CSVs used by tests/geo/check-real.sh
# SPDX-License-Identifier: MIT
#
# usage: scripts/fetch-geodata.sh [--mmdb] [DIR]      (default DIR: build/geodata)
#
# Downloads the npm package @ip-location-db/geo-whois-asn-country (country by
# WHOIS + ASN data, CC BY 4.0 by NRO; see its README for attribution) with
# `npm pack` into DIR, unpacks it, and writes DIR/geo-whois-asn-country.csv,
# the IPv4 and IPv6 CSVs concatenated (one file, as `geodata` takes one path).
# Prints the CSV paths, one a line. With --mmdb it also fetches the same data
# as MaxMind DB files (@ip-location-db/geo-whois-asn-country-mmdb, into
# DIR/mmdb) and prints the combined .mmdb's path last. The data is never
# committed: DIR is under build/. A second run reuses what is there (delete
# DIR to refresh).
set -euo pipefail
pkg=@ip-location-db/geo-whois-asn-country
mmdb=0
if [ "${1:-}" = --mmdb ]; then mmdb=1; shift; fi
dir=${1:-build/geodata}
mkdir -p "$dir"
if [ ! -d "$dir/package" ]; then
    command -v npm >/dev/null || { echo "fetch-geodata: npm is not installed (apt-get install npm)" >&2; exit 2; }
    tgz=$(cd "$dir" && npm pack --silent "$pkg" | tail -n 1)
    tar -xzf "$dir/$tgz" -C "$dir"
    rm -f "$dir/$tgz"
fi
v4=$(ls "$dir"/package/*-ipv4.csv 2>/dev/null | head -n 1)
v6=$(ls "$dir"/package/*-ipv6.csv 2>/dev/null | head -n 1)
if [ -z "$v4" ] || [ -z "$v6" ]; then
    echo "fetch-geodata: no *-ipv4.csv / *-ipv6.csv in $dir/package:" >&2
    ls "$dir/package" >&2
    exit 2
fi
cat "$v4" "$v6" > "$dir/geo-whois-asn-country.csv.tmp"
mv "$dir/geo-whois-asn-country.csv.tmp" "$dir/geo-whois-asn-country.csv"
echo "$v4"
echo "$v6"
echo "$dir/geo-whois-asn-country.csv"
if [ $mmdb = 1 ]; then
    if [ ! -d "$dir/mmdb/package" ]; then
        mkdir -p "$dir/mmdb"
        tgz=$(cd "$dir/mmdb" && npm pack --silent "$pkg-mmdb" | tail -n 1)
        tar -xzf "$dir/mmdb/$tgz" -C "$dir/mmdb"
        rm -f "$dir/mmdb/$tgz"
    fi
    echo "$dir/mmdb/package/geo-whois-asn-country.mmdb"
fi
