#!/usr/bin/env bash
# run.sh -- differential test of zonec's server against Knot DNS, one zone at a time
# SPDX-License-Identifier: MIT
#
# usage: tests/diff/run.sh [--self-check] [--count N] [ZONEFILE...]
#   default zones: tests/zones/*.zone plus a 60k-record zone from tests/zones/gen-big.py
#   --self-check   Knot against a second Knot (validates the harness: must show no difference)
#   --count N      queries per zone (default $DIFF_COUNT or 20000)
# env: BUILD (default build), ZONEC (default $BUILD/zonec), DIFF_RECORDS (generated zone size)
# Ports: 5440 (zonec), 5441 (Knot), 5444 (second Knot in --self-check).
# Exit: 0 when every zone shows no difference outside tests/diff/allowed.txt.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/servers.sh"
lib_init

self_check=0
count=${DIFF_COUNT:-20000}
zones=()
while [ $# -gt 0 ]; do
    case $1 in
        --self-check) self_check=1 ;;
        --count) count=$2; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) zones+=("$1") ;;
    esac
    shift
done
if [ ${#zones[@]} -eq 0 ]; then
    zones=("$ROOT"/tests/zones/*.zone)
    "$PY" "$ROOT/tests/zones/gen-big.py" --records "${DIFF_RECORDS:-60000}" "$LIB_TMP/gen.zone" \
        || exit 2
    zones+=("$LIB_TMP/gen.zone")
fi

TEST_PORT=5440 REF_PORT=5441 SELF_PORT=5444
pass=0 fail=0 failed=()
for zf in "${zones[@]}"; do
    name=$(basename "$zf" .zone)
    origin=$(zone_origin "$zf")
    echo "== diff: $name ($origin)"
    ok=1
    knot_start "$REF_PORT" "$zf" "$origin" || ok=0
    ref_pid=${KNOT_PID:-}
    test_pid=
    if [ $ok = 1 ]; then
        if [ $self_check = 1 ]; then
            knot_start "$SELF_PORT" "$zf" "$origin" && test_pid=$KNOT_PID || ok=0
            tport=$SELF_PORT
        else
            out="$LIB_TMP/$name.bin"
            t0=$(date +%s.%N)
            if zonec_build "$out" "$zf"; then
                echo "   built $(stat -c %s "$out") bytes in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?')s"
                zonec_start "$out" "$TEST_PORT" && test_pid=$ZONEC_PID || ok=0
                [ $ok = 1 ] && { wait_dns "$TEST_PORT" "$origin" 5 || ok=0; }
            else
                ok=0
            fi
            tport=$TEST_PORT
        fi
    fi
    if [ $ok = 1 ]; then
        "$PY" "$HERE/diff.py" --zone "$zf" --label "$name" --count "$count" \
            --test "127.0.0.1:$tport" --ref "127.0.0.1:$REF_PORT" || ok=0
        if [ -n "$test_pid" ] && ! kill -0 "$test_pid" 2>/dev/null; then
            echo "   server under test died during the run"; ok=0
        fi
    fi
    [ -n "$test_pid" ] && server_stop "$test_pid"
    [ -n "$ref_pid" ] && server_stop "$ref_pid"
    KNOT_PID= ZONEC_PID=
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$name"); fi
done
echo "diff: $pass zones passed, $fail failed${failed[*]:+ (${failed[*]})}"
[ $fail -eq 0 ]
