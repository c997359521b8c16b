#!/usr/bin/env bash
# run.sh -- routing policies end to end: build every examples/policies/*.zpl
# into a server, check each construct against the live server (dig +subnet=
# for ECS, --check-state for health) and compare `zonec query` with the live
# server for random (client, check states, seed) triples (tests/policy/live.py).
# SPDX-License-Identifier: MIT
#
# Environment: BUILD (default build), ZONEC (default $BUILD/zonec),
# TRIPLES (default 1000 per example), WEIGHTED (default 12000 queries per
# weighted case). Ports 127.0.0.1:5500-5519 only. Exit 0 when all pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
ZONEC=${ZONEC:-$BUILD/zonec}
WORK=${WORK:-$BUILD/policy-tests}
TRIPLES=${TRIPLES:-1000}
WEIGHTED=${WEIGHTED:-12000}
[ -x "$ZONEC" ] || { echo "policy: $ZONEC is missing: run make first" >&2; exit 2; }
ZONEC=$(cd "$(dirname "$ZONEC")" && pwd)/$(basename "$ZONEC")
command -v dig >/dev/null || { echo "policy: dig is missing (apt-get install dnsutils)" >&2; exit 2; }
mkdir -p "$WORK"

# every example of SPEC section 3 compiles unchanged (with its fixtures)
(cd tests/unit/data && "$ZONEC" check spec-example.zpl)
echo "policy: SPEC section 3 example compiles"

for f in examples/policies/*.zpl; do
    "$ZONEC" build "$f" -o "$WORK/$(basename "$f" .zpl)-server"
done
echo "policy: built $(ls examples/policies/*.zpl | wc -l) example servers in $WORK"

exec python3 tests/policy/live.py --zonec "$ZONEC" --work "$WORK" --triples "$TRIPLES" \
    --weighted "$WEIGHTED" "$@"
