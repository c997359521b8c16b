#!/usr/bin/env bash
# smoke.sh -- build tests/zones/basic.zone, serve it, and ask kdig a handful of questions
# SPDX-License-Identifier: MIT
#
# A quick end-to-end check with real clients (kdig from knot-dnsutils, dig; UDP and TCP)
# before the long differential run: start-up, AA answers, NXDOMAIN/NODATA, TCP, EDNS,
# truncation and the TCP retry, REFUSED outside the zone, clean exit on SIGTERM.
# env: BUILD, ZONEC; port 5443.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/servers.sh"
lib_init
PORT=5443
command -v kdig >/dev/null || { echo "smoke: kdig not installed (knot-dnsutils)"; exit 2; }
bin=$LIB_TMP/smoke.bin
zonec_build "$bin" "$ROOT/tests/zones/basic.zone" "$ROOT/tests/zones/big.zone" || exit 1
t0=$(date +%s%N)
zonec_start "$bin" "$PORT" || exit 1
wait_dns "$PORT" basic.test 5 || exit 1
echo "smoke: first answer $(( ($(date +%s%N) - t0) / 1000000 )) ms after exec (incl. polling)"

pass=0 fail=0
# expect DESCRIPTION KDIG-ARGS... -- PATTERN...: every extended-regex PATTERN must match.
expect() {
    local what=$1; shift
    local args=() pats=() out p ok=1
    while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
    shift
    pats=("$@")
    if [ "${args[0]}" = dig ]; then
        out=$(timeout 10 dig @127.0.0.1 -p "$PORT" +tries=1 +time=2 "${args[@]:1}" 2>&1)
    else
        out=$(timeout 10 kdig @127.0.0.1 -p "$PORT" +retry=1 +time=2 "${args[@]}" 2>&1)
    fi
    for p in "${pats[@]}"; do
        if ! grep -Eq -- "$p" <<<"$out"; then ok=0; echo "FAIL smoke: $what: no match for /$p/"; fi
    done
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); sed 's/^/    /' <<<"$out" | head -n 25; fi
}
expect "A over UDP" www.basic.test A -- 'status: NOERROR' 'Flags: qr aa' 'www\.basic\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80'
expect "A over TCP" +tcp www.basic.test A -- 'status: NOERROR' 'qr aa' '192\.0\.2\.80' '\(TCP\)'
expect "0x20 case echoed (dig)" dig WwW.BaSiC.TeSt A -- ';WwW\.BaSiC\.TeSt\.\s+IN\s+A'
expect "AAAA" www.basic.test AAAA -- '2001:db8::80'
expect "MX with additional" basic.test MX -- 'MX\s+10 mail\.basic\.test\.' 'mail\.basic\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.25'
expect "NXDOMAIN with SOA (TTL = minimum 300)" nope.basic.test A -- 'status: NXDOMAIN' 'qr aa' 'basic\.test\.\s+300\s+IN\s+SOA'
expect "NODATA with SOA" www.basic.test MX -- 'status: NOERROR' 'ANSWER: 0' 'basic\.test\.\s+300\s+IN\s+SOA'
expect "REFUSED outside the zones" www.example.org A -- 'status: REFUSED'
expect "EDNS echoed" +edns www.basic.test A -- 'EDNS PSEUDOSECTION|Version: 0' 'UDP size: 1232'
expect "truncation then TCP retry" a100.big.test A -- 'truncated|ANSWER: 100' 'ANSWER: 100'
expect "TC without retry" +ignore +noedns a100.big.test A -- 'Flags: qr aa tc'
expect "unknown type (RFC 3597)" generic.basic.test TYPE65534 -- '\\# 2 ABCD|\\# 2 abcd'
expect "escaped label" 'dot\.in\.label.basic.test' A -- '192\.0\.2\.103'
expect "NOTIMP for opcode STATUS (dig)" dig +opcode=status basic.test SOA -- 'status: NOTIMP'

# SIGTERM: clean and quick exit.
kill -TERM "$ZONEC_PID"
for _ in $(seq 1 30); do kill -0 "$ZONEC_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ZONEC_PID" 2>/dev/null; then
    echo "FAIL smoke: still running 3 s after SIGTERM"; fail=$((fail + 1))
else
    wait "$ZONEC_PID"; rc=$?
    if [ $rc = 0 ] || [ $rc = 143 ]; then pass=$((pass + 1)); else echo "FAIL smoke: exit status $rc after SIGTERM"; fail=$((fail + 1)); fi
fi
echo "smoke: $pass passed, $fail failed"
[ $fail -eq 0 ]
