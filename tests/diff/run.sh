#!/usr/bin/env bash
# run.sh -- differential test of zonec's server against Knot DNS, one zone at a time
# SPDX-License-Identifier: MIT
#
# usage: tests/diff/run.sh [--self-check] [--count N] [ZONEFILE...]
#   default: each of tests/zones/*.zone, a 60k-record zone from tests/zones/gen-big.py, and
#            all of tests/zones/*.zone together in one server ("all"), once more with
#            --threads 2 ("all-threads2")
#   --combined-only  only the run with all of tests/zones/*.zone in one server
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
combined=0
while [ $# -gt 0 ]; do
    case $1 in
        --self-check) self_check=1 ;;
        --combined-only) combined=2 ;;
        --count) count=$2; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) zones+=("$1") ;;
    esac
    shift
done
if [ $combined = 2 ]; then
    zones=()
elif [ ${#zones[@]} -eq 0 ]; then
    combined=1
    zones=("$ROOT"/tests/zones/*.zone)
    "$PY" "$ROOT/tests/zones/gen-big.py" --records "${DIFF_RECORDS:-60000}" "$LIB_TMP/gen.zone" \
        || exit 2
    zones+=("$LIB_TMP/gen.zone")
fi

TEST_PORT=5440 REF_PORT=5441 SELF_PORT=5444
SERVER_ARGS=()
pass=0 fail=0 failed=()

# run_one LABEL ZONEFILE...: serve the zones from Knot and from the server under test,
# then compare.
run_one() {
    local name=$1 zf ok=1 ref_pid='' test_pid='' tport out t0 kargs=() dargs=()
    shift
    for zf in "$@"; do
        kargs+=("$zf" "$(zone_origin "$zf")")
        dargs+=(--zone "$zf")
    done
    echo "== diff: $name ($(for zf in "$@"; do printf '%s ' "$(zone_origin "$zf")"; done))"
    knot_start "$REF_PORT" "${kargs[@]}" && ref_pid=$KNOT_PID || ok=0
    if [ $ok = 1 ]; then
        if [ $self_check = 1 ]; then
            knot_start "$SELF_PORT" "${kargs[@]}" && test_pid=$KNOT_PID || ok=0
            tport=$SELF_PORT
        else
            out="$LIB_TMP/$name.bin"
            t0=$(date +%s%N)
            if zonec_build "$out" "$@"; then
                echo "   built $(stat -c %s "$out") bytes in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
                zonec_start "$out" "$TEST_PORT" "${SERVER_ARGS[@]}" && test_pid=$ZONEC_PID || ok=0
                [ $ok = 1 ] && { wait_dns "$TEST_PORT" "$(zone_origin "$1")" 5 || ok=0; }
            else
                ok=0
            fi
            tport=$TEST_PORT
        fi
    fi
    if [ $ok = 1 ]; then
        "$PY" "$HERE/diff.py" "${dargs[@]}" --label "$name" --count "$count" \
            --test "127.0.0.1:$tport" --ref "127.0.0.1:$REF_PORT" || ok=0
        if [ -n "$test_pid" ] && ! kill -0 "$test_pid" 2>/dev/null; then
            echo "   server under test died during the run"; ok=0
        fi
    fi
    [ -n "$test_pid" ] && server_stop "$test_pid"
    [ -n "$ref_pid" ] && server_stop "$ref_pid"
    KNOT_PID='' ZONEC_PID=''
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$name"); fi
}

for zf in "${zones[@]}"; do
    run_one "$(basename "$zf" .zone)" "$zf"
done
# All static zones in one server: several zones at once, a parent and its child zone
# (deleg.test / sub.deleg.test), CNAMEs into another hosted zone, REFUSED between them.
if [ $combined != 0 ]; then
    run_one all "$ROOT"/tests/zones/*.zone
    # The same with two worker threads: answers must not depend on the thread count.
    if [ $self_check = 0 ]; then
        SERVER_ARGS=(--threads 2)
        run_one all-threads2 "$ROOT"/tests/zones/*.zone
        SERVER_ARGS=()
    fi
fi
echo "diff: $pass runs passed, $fail failed${failed[*]:+ (${failed[*]})}"
[ $fail -eq 0 ]
