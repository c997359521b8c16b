#!/usr/bin/env bash
# run.sh -- the integration tests `make test` runs after building and running the unit tests
# SPDX-License-Identifier: MIT
#
# usage: tests/run.sh [--quick] [--no-san] [STEP...]
#   steps, in order: golden repro smoke diff hostile san  (default: all)
#   --quick    smaller differential corpus (2000 queries per zone), no idle-timeout wait
#   --no-san   skip the sanitizer step
# env: BUILD (default build) names the build whose zonec is tested; SAN_BUILD (default
#      build/san) is where `make SAN=1` builds; DIFF_COUNT overrides the corpus size.
#
#   golden   tests/golden/run.sh   every agreed diagnostic: file:line:col, message, exit 1,
#                                  `zonec build` writes nothing on error
#   repro    tests/repro.sh        byte-identical builds, static binary, --version serials
#   smoke    tests/smoke.sh        kdig/dig against a served zone, SIGTERM
#   diff     tests/diff/run.sh     zonec's server vs Knot DNS, >= 20k queries per zone
#   hostile  tests/hostile/run.sh  hostile packets and TCP clients; the server keeps serving
#   health   tests/health/run.sh   the prober and /health /metrics against real loopback servers
#   policy   tests/policy/run.sh   every routing policy against the live server (dig +subnet),
#                                  and `zonec query` = live server for 1,000 triples per example
#   fuzz     scripts/fuzz.sh smoke libFuzzer smoke (ASan+UBSan) of the packet, ZPL and zone targets
#   san      make SAN=1 unit; then, with the sanitized zonec (outputs linked dynamically),
#            the golden test, the hostile test (no idle wait) and a short differential run
#            against a server built from the ASan+UBSan runtime
#
# Prints "N passed, N failed" (steps) last; exits 1 when any step failed. Every step runs
# under `timeout`, every server is started through tests/lib/servers.sh and killed on exit.
# Budget: about 12 minutes on 2 cores for everything (most of it is the sanitizer build).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT" || exit 2
export BUILD=${BUILD:-build}
export ZONEC=${ZONEC:-$ROOT/$BUILD/zonec}
SAN_BUILD=${SAN_BUILD:-build/san}

quick=0 san=1 steps=()
for a in "$@"; do
    case $a in
        --quick) quick=1 ;;
        --no-san) san=0 ;;
        golden|repro|smoke|diff|hostile|health|policy|fuzz|san) steps+=("$a") ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument '$a'" >&2; exit 2 ;;
    esac
done
[ ${#steps[@]} -eq 0 ] && steps=(golden repro smoke diff hostile health policy fuzz san)
[ $san = 0 ] && steps=("${steps[@]/san/}")
if [ $quick = 1 ]; then
    export DIFF_COUNT=${DIFF_COUNT:-2000}
    hostile_args=(--quick)
else
    hostile_args=()
fi

pass=0 fail=0 failed=()
t_all=$(date +%s)
step() { # step NAME TIMEOUT_S COMMAND...
    local name=$1 limit=$2 t0 rc
    shift 2
    echo "=== $name: $*"
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@"
    rc=$?
    [ $rc = 124 ] && echo "=== $name: timed out after ${limit}s"
    if [ $rc = 0 ]; then
        pass=$((pass + 1)); echo "=== $name: ok ($(( $(date +%s) - t0 ))s)"
    else
        fail=$((fail + 1)); failed+=("$name"); echo "=== $name: FAILED, exit $rc ($(( $(date +%s) - t0 ))s)"
    fi
}

san_step() {
    local rc=0 zc=$ROOT/$SAN_BUILD/zonec
    make --no-print-directory SAN=1 BUILD="$SAN_BUILD" -j"$(nproc)" all || return 1
    make --no-print-directory SAN=1 BUILD="$SAN_BUILD" unit || rc=1
    # The sanitized runtime cannot be linked statically: link outputs dynamically against
    # the sanitized libzrt.a with the sanitizer flags.
    export ZONEC_STATIC=0 ZONEC_LIBDIR=$ROOT/$SAN_BUILD
    export ZONEC_CFLAGS="${ZONEC_CFLAGS:-} -fsanitize=address,undefined"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ZONEC=$zc BUILD=$SAN_BUILD bash tests/golden/run.sh || rc=1
    ZONEC=$zc BUILD=$SAN_BUILD bash tests/hostile/run.sh --quick || rc=1
    ZONEC=$zc BUILD=$SAN_BUILD DIFF_RECORDS=5000 bash tests/diff/run.sh --count 2000 || rc=1
    return $rc
}

for s in "${steps[@]}"; do
    case $s in
        golden)  step golden 120 bash tests/golden/run.sh ;;
        repro)   step repro 180 bash tests/repro.sh ;;
        smoke)   step smoke 60 bash tests/smoke.sh ;;
        diff)    step diff 420 bash tests/diff/run.sh ;;
        hostile) step hostile 150 bash tests/hostile/run.sh "${hostile_args[@]}" ;;
        health)  step health 150 bash tests/health/run.sh ;;
        policy)  step policy 240 bash tests/policy/run.sh ;;
        fuzz)    step fuzz 240 bash scripts/fuzz.sh smoke ;;
        san)     export -f san_step; export SAN_BUILD ROOT
                 step san 480 bash -c san_step ;;
    esac
done
echo "integration: $(( $(date +%s) - t_all ))s${failed[*]:+; failed: ${failed[*]}}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
