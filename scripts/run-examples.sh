#!/usr/bin/env bash
# run-examples.sh -- compile examples/ into one server and serve it (make run)
# SPDX-License-Identifier: MIT
#
# Every examples/*.zpl and examples/*.zone goes into ONE binary,
# $BUILD/examples-server (master files must carry their own $ORIGIN), which
# then runs in the foreground on $ADDR:$PORT (default 127.0.0.1:5300) until
# Ctrl-C. Environment: BUILD (default build), ADDR, PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ADDR=${ADDR:-127.0.0.1}
PORT=${PORT:-5300}
ZONEC="$BUILD/zonec"
OUT="$BUILD/examples-server"

shopt -s nullglob
inputs=(examples/*.zpl examples/*.zone)
if [ ${#inputs[@]} -eq 0 ]; then
    echo "run-examples: no examples/*.zpl or examples/*.zone" >&2
    exit 2
fi
for f in examples/*.zone; do
    if ! grep -q '^\$ORIGIN' "$f"; then
        echo "run-examples: $f has no \$ORIGIN line; zonec cannot tell its zone" >&2
        exit 2
    fi
done
[ -x "$ZONEC" ] || { echo "run-examples: $ZONEC is missing: run make first" >&2; exit 2; }

echo "== $ZONEC build ${inputs[*]} -o $OUT"
"$ZONEC" build "${inputs[@]}" -o "$OUT"
"$OUT" --version

d="dig @$ADDR -p $PORT"
cat <<TRY

Try, from another terminal:
  $d www.example.com A            # value-set record, two addresses
  $d example.com MX               # MX with the mail server's addresses in ADDITIONAL
  $d anything.dev.example.com A   # wildcard CNAME, chased to www
  $d host.lab.example.com A       # referral to the lab's name servers, with glue
  $d ftp.example.net AAAA         # CNAME chain in a master-file zone
  $d nosuch.example.net A         # NXDOMAIN with the SOA
  $d +tcp example.net ANY         # TCP, minimal ANY (RFC 8482)
Offline, without the server:
  $ZONEC query ${inputs[*]} www.example.com A

Serving on $ADDR:$PORT (UDP and TCP); Ctrl-C stops.
TRY
exec "$OUT" --listen "$ADDR:$PORT"
