#!/usr/bin/env bash
# run.sh -- build a zone with zonec, serve it, and throw hostile traffic at it
# SPDX-License-Identifier: MIT
#
# usage: tests/hostile/run.sh [--knot] [--quick] [--binary OUT]
#   --knot        run against Knot DNS instead (validates the test itself; Knot may differ
#                 from SPEC on a few points, e.g. NOTIMP for NOTIFY/UPDATE)
#   --quick       skip the idle-timeout group (it waits for the idle timeout)
#   --binary OUT  use an already built server (e.g. one built by the sanitized zonec)
# env: BUILD, ZONEC; port 5442. The idle timeout is read from runtime/net.h (RT_NET_IDLE_MS).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/servers.sh"
lib_init
knot=0 extra=() bin=
while [ $# -gt 0 ]; do
    case $1 in
        --knot) knot=1; extra+=(--reference) ;;
        --quick) extra+=(--quick) ;;
        --binary) bin=$2; shift ;;
        *) echo "usage: $0 [--knot] [--quick] [--binary OUT]" >&2; exit 2 ;;
    esac
    shift
done
PORT=5442
zf=$ROOT/tests/zones/basic.zone
origin=$(zone_origin "$zf")
idle=$(awk '$1 == "#define" && $2 == "RT_NET_IDLE_MS" { print $3 + 0 }' "$ROOT/runtime/net.h" 2>/dev/null)
idle=${idle:-10000}
if [ $knot = 1 ]; then
    knot_start "$PORT" "$zf" "$origin" || exit 2
    pid=$KNOT_PID
else
    if [ -z "$bin" ]; then
        bin=$LIB_TMP/hostile.bin
        zonec_build "$bin" "$zf" || exit 2
    fi
    zonec_start "$bin" "$PORT" || exit 2
    pid=$ZONEC_PID
    wait_dns "$PORT" "$origin" 5 || exit 2
fi
timeout 120 "$PY" "$HERE/hostile.py" --port "$PORT" --origin "$origin" --pid "$pid" \
    --idle-ms "$idle" "${extra[@]}"
rc=$?
if ! kill -0 "$pid" 2>/dev/null; then
    echo "hostile: the server is not running any more"
    [ $knot = 0 ] && tail -n 20 "$bin.run.log"
    rc=1
fi
[ $knot = 1 ] || timeout 30 "$PY" "$HERE/rrl.py" --binary "$bin" --port 5521 --origin "$origin" || rc=1
[ $knot = 1 ] || timeout 40 "$PY" "$HERE/tcp_load.py" --binary "$bin" --port 5522 --origin "$origin" --idle-ms "$idle" || rc=1
exit $rc
