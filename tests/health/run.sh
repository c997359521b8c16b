#!/usr/bin/env bash
# tests/health/run.sh -- end-to-end tests of the prober and the --http endpoint
# against real servers on loopback (ports 5430-5439 and 5640, endpoint 5490-5499),
# then tests/health/live_test.py against a built server (ports 5560-5599).
# Builds tests/health/probe-driver.c statically (the way output binaries
# link: -static ... -lssl -lcrypto) and runs tests/health/health_test.py.
# Bounded: the whole run is killed after 120 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build/E1c}
CC=${CC:-cc}
mkdir -p "$BUILD/tests/health"
DRV="$BUILD/tests/health/probe-driver"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Werror -D_GNU_SOURCE"
# OpenSSL's static archive mentions dlopen/getaddrinfo; we call neither, so
# the linker's warnings about them are filtered (anything else is shown).
$CC $CFLAGS -Iruntime -static -o "$DRV" tests/health/probe-driver.c \
    runtime/health.c runtime/health_eval.c runtime/probe_http.c runtime/http.c runtime/metrics.c \
    -lssl -lcrypto -lpthread 2>&1 | grep -v -e "statically linked applications requires" \
    -e "in function \`" || true
[ -x "$DRV" ] || { echo "FAIL: probe-driver did not build"; exit 1; }
rc=0
timeout -k 5 120 python3 tests/health/health_test.py "$DRV" || rc=1
# the live binary: zonec build of a zone whose checks probe loopback backends
# (DNS 5560, endpoint 5598, backends 5561-5564); bounded at 90 s
ZONEC=${ZONEC:-$BUILD/zonec}
if [ -x "$ZONEC" ]; then
    timeout -k 5 90 python3 tests/health/live_test.py "$ZONEC" "$BUILD/tests/health/live" || rc=1
else
    echo "FAIL: $ZONEC is missing (make BUILD=$BUILD first)"
    rc=1
fi
exit $rc
