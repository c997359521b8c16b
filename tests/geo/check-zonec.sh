#!/usr/bin/env bash
# check-zonec.sh -- the whole real country CSV through zonec build, the server and ECS queries
# SPDX-License-Identifier: MIT
#
# usage: tests/geo/check-zonec.sh [COUNT]        (run from anywhere; default COUNT 100000)
#
# Issue 4, Must-show 4, end to end. Fetches @ip-location-db/geo-whois-asn-country
# (scripts/fetch-geodata.sh, into build/geodata; needs npm and the network the first
# time), writes a ZPL zone (tests/geo/zonec_geo.py zpl) with `geodata "<the IPv4+IPv6
# CSV>";` and `www.geo.test. AAAA geo { country CC -> 2001:db8:c::<index>; ... default
# -> 2001:db8:d::1; }` with one branch per country code in the data (codes the compiler
# rejects as not ISO 3166-1 are left out: their ranges expect the default), compiles it
# with `zonec build` under /usr/bin/time -v (wall time, peak RSS, binary size), and
# measures the policy tables: the routing-policy section of the blob (--emit-c) and, in
# it, the folded prefix table; the same zone with a static `www AAAA` and no geodata is
# built beside it for the difference in blob and binary size. Then it starts the server
# (--listen 127.0.0.1:PORT --rrl 0 --no-probes --threads 1) and sends COUNT queries with
# an ECS option (source /32 or /128) for random addresses, half IPv4 and half IPv6, fixed
# seed (tests/geo/zonec_geo.py query): each answer must be what a binary search over the
# CSV gives, the ECS scope must be <= the source prefix, and two more addresses inside
# each returned scope block must get the same answer. ~1.5 minutes for 100000 addresses
# on a 2-vCPU machine (300000 queries). Not part of `make test` (needs npm and network).
#
# Environment: BUILD (default build: uses $BUILD/zonec, runs make if it is missing),
#   PORT (default 5600), SEED (default 4), WINDOW (queries in flight, default 64).
# Exit: 0 all agree, 1 mismatch, 2 setup failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
BUILD=${BUILD:-build}
PORT=${PORT:-5600}
SEED=${SEED:-4}
WINDOW=${WINDOW:-64}
zonec=$BUILD/zonec
out=$BUILD/geo-zonec
mkdir -p "$out"

py=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import dns.edns' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "check-zonec: no python3 with dnspython (apt-get install python3-dnspython)" >&2; exit 2; }
if [ ! -x "$zonec" ] || [ ! -f "$BUILD/libzrt.a" ]; then
    make -s BUILD="$BUILD" all >&2 || { echo "check-zonec: make BUILD=$BUILD all failed" >&2; exit 2; }
fi
csv=$(bash scripts/fetch-geodata.sh build/geodata | tail -n 1)
csv=$(cd "$(dirname "$csv")" && pwd)/$(basename "$csv")
echo "check-zonec: $csv ($(wc -l < "$csv") lines, $(stat -c %s "$csv") bytes)"

# 1. the zone; codes the compiler rejects go to the default branch
"$py" tests/geo/zonec_geo.py zpl "$csv" "$out/geo.zpl" > /dev/null
exclude=$("$zonec" check "$out/geo.zpl" 2>&1 | sed -n "s/.*error: unknown country code '\([A-Z0-9]*\)'.*/\1/p" | sort -u | paste -sd, -) || true
[ -n "$exclude" ] && echo "check-zonec: country codes zonec rejects (their ranges expect the default): $exclude"
"$py" tests/geo/zonec_geo.py zpl "$csv" "$out/geo.zpl" --exclude "$exclude"
awk '/^geodata/ {next}
     /www AAAA ttl 60 geo/ {print "    www AAAA ttl 60 2001:db8:d::1;"; skip = 1; next}
     skip && /^    }/ {skip = 0; next}
     !skip' "$out/geo.zpl" > "$out/static.zpl"

# 2. compile both, measure
rm -rf "$out/emit" "$out/emit-static"
if ! /usr/bin/time -v -o "$out/time.txt" "$zonec" build "$out/geo.zpl" -o "$out/geo-server" \
        --emit-c "$out/emit" > "$out/build.log" 2>&1; then
    tail -n 20 "$out/build.log" >&2
    echo "check-zonec: zonec build failed (see $out/build.log)" >&2
    exit 2
fi
"$zonec" build "$out/static.zpl" -o "$out/static-server" --emit-c "$out/emit-static" > "$out/build-static.log" 2>&1 \
    || { echo "check-zonec: zonec build of the static zone failed (see $out/build-static.log)" >&2; exit 2; }
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time.txt")
cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$out/time.txt")
overlaps=$(awk '/partially overlaps the range/ {n++} match($0, /warning: [0-9]+ more ranges partially overlap/) {split(substr($0, RSTART + 9), w, " "); n += w[1]} END {print n + 0}' "$out/build.log")
echo "check-zonec: zonec build: wall $wall, user+sys $cpu s (zonec and cc), peak RSS $((rss / 1024)) MiB; warnings: $overlaps partially overlapping CSV ranges (the later line wins)"
"$py" - "$out/emit/blob.bin" "$out/emit-static/blob.bin" "$out/geo-server" "$out/static-server" <<'EOF'
import os, struct, sys
blob, sblob, binary, sbinary = sys.argv[1:]
b = open(blob, "rb").read()
hdr = struct.unpack_from("<16I", b, 0)
poff = hdr[15]
ph = struct.unpack_from("<20I", b, poff)
total, tw, toff = ph[1], ph[8], ph[16]
tbl = poff + toff
magic, stride, root4, root6, nodes = struct.unpack_from("<5I", b, tbl)
mib = lambda n: "%.2f MiB" % (n / 1048576)
print("check-zonec: blob %d bytes (static zone: %d; difference %s); binary %d bytes (static zone: %d; difference %s)"
      % (len(b), os.path.getsize(sblob), mib(len(b) - os.path.getsize(sblob)), os.path.getsize(binary),
         os.path.getsize(sbinary), mib(os.path.getsize(binary) - os.path.getsize(sbinary))))
print("check-zonec: policy section %d bytes (%s); prefix tables %d words = %s; first table: %d nodes x %d words "
      "(magic %s)" % (total, mib(total), tw, mib(tw * 4), nodes, stride,
                      "ok" if magic == 0x5a504654 else "BAD 0x%x" % magic))
EOF

# 3. the server and the queries
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; return 0; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
"$out/geo-server" --listen "127.0.0.1:$PORT" --rrl 0 --no-probes --threads 1 > "$out/server.log" 2>&1 &
srv=$!
ready=0
for _ in $(seq 100); do
    if dig +time=1 +tries=1 +short -p "$PORT" @127.0.0.1 www.geo.test AAAA 2>/dev/null | grep -q .; then ready=1; break; fi
    sleep 0.1
done
[ $ready = 1 ] || { echo "check-zonec: the server does not answer on 127.0.0.1:$PORT (see $out/server.log)" >&2; exit 2; }
rc=0
"$py" tests/geo/zonec_geo.py query "$csv" "$PORT" --count "$count" --seed "$SEED" --window "$WINDOW" \
    --exclude "$exclude" || rc=$?
[ $rc -le 1 ] || rc=2
exit $rc
