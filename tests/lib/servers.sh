# shellcheck shell=bash
# servers.sh -- shared shell helpers for the integration tests (source it, do not run it)
# SPDX-License-Identifier: MIT
#
# Starts Knot DNS and zonec-built servers as plain background processes on
# loopback, waits until they answer, and kills every one of them on exit.
#
#   . tests/lib/servers.sh
#   lib_init                          # temp dir + EXIT trap (call once)
#   knot_start PORT ZONEFILE ORIGIN [ZONEFILE ORIGIN]...
#                                     # knotd serving the zones; sets KNOT_PID, KNOT_DIR
#   zonec_build OUT FILE...           # $ZONEC build FILE... -o OUT (quiet on success)
#   zonec_start OUT PORT [ARGS...]    # OUT --listen 127.0.0.1:PORT; sets ZONEC_PID
#   wait_dns PORT NAME [TIMEOUT_S]    # until a query for NAME SOA gets an authoritative answer
#   server_stop PID                   # TERM, then KILL after 3 s
#
# Every process started here is recorded and killed by the EXIT trap, so a
# failing test never leaves a server behind. Only 127.0.0.1 is used.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${ROOT:-$(cd "$LIB_DIR/../.." && pwd)}
BUILD=${BUILD:-build}
ZONEC=${ZONEC:-$ROOT/$BUILD/zonec}
LIB_PIDS=()
LIB_TMP=

# python3 that has dnspython (pyenv shims may hide the system's modules).
lib_python() {
    local p
    for p in /usr/bin/python3 python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import dns.message' 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    echo "python3"; return 1
}
PY=${PY:-$(lib_python)}

lib_cleanup() {
    local p
    for p in "${LIB_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${LIB_PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$p" 2>/dev/null
    done
    LIB_PIDS=()
    if [ -n "$LIB_TMP" ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$LIB_TMP"; fi
}

lib_init() {
    LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zonec-test.XXXXXX")
    trap lib_cleanup EXIT
    trap 'exit 130' INT TERM
}

# wait_port PORT [TIMEOUT_S]: until something accepts TCP connections on 127.0.0.1:PORT.
wait_port() {
    local port=$1 t=${2:-10} i
    for ((i = 0; i < t * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "wait_port: nothing listens on 127.0.0.1:$port after ${t}s" >&2
    return 1
}

# wait_dns PORT NAME [TIMEOUT_S]: until NAME SOA over UDP gets an answer with AA=1.
wait_dns() {
    local port=$1 name=$2 t=${3:-10}
    "$PY" - "$port" "$name" "$t" <<'EOF'
import socket, sys, time
import dns.message, dns.flags, dns.rcode
port, name, t = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
end = time.time() + t
q = dns.message.make_query(name, "SOA")
while time.time() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q.to_wire(), ("127.0.0.1", port))
        r = dns.message.from_wire(s.recvfrom(65535)[0])
        if r.flags & dns.flags.AA and r.rcode() == dns.rcode.NOERROR:
            sys.exit(0)
    except Exception:
        pass
    finally:
        s.close()
    time.sleep(0.05)
print("wait_dns: no authoritative answer for %s SOA on port %d" % (name, port), file=sys.stderr)
sys.exit(1)
EOF
}

# knot_start PORT ZONEFILE ORIGIN [ZONEFILE ORIGIN]...: knotd serving each ORIGIN from a
# copy of its ZONEFILE.
knot_start() {
    local port=$1 d i=0 zf origin zones='' origins=() o
    shift
    command -v knotd >/dev/null || { echo "knot_start: knotd not installed" >&2; return 1; }
    d=$(mktemp -d "$LIB_TMP/knot.XXXXXX")
    mkdir -p "$d/db" "$d/zones"
    while [ $# -ge 2 ]; do
        zf=$1 origin=$2
        shift 2
        i=$((i + 1))
        cp "$zf" "$d/zones/zone$i.db"
        origins+=("$origin")
        zones+="  - domain: $origin
    file: zone$i.db
"
    done
    cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    pidfile: "$d/knot.pid"
    listen: 127.0.0.1@$port
    udp-workers: 2
    tcp-workers: 2
    background-workers: 1
database:
    storage: "$d/db"
control:
    listen: "$d/knot.sock"
log:
  - target: "$d/knot.log"
    any: info
template:
  - id: default
    storage: "$d/zones"
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
zone:
$zones
EOF
    knotd -c "$d/knot.conf" >"$d/stdout.log" 2>&1 &
    KNOT_PID=$!
    LIB_PIDS+=("$KNOT_PID")
    KNOT_DIR=$d  # for callers that want its log
    for o in "${origins[@]}"; do
        if ! wait_dns "$port" "$o" 20; then
            echo "knot_start: knotd did not load zone $o; its log:" >&2
            tail -n 20 "$d/knot.log" "$d/stdout.log" >&2
            return 1
        fi
    done
}

# zonec_build OUT FILE...: compile FILE... into OUT; prints zonec's diagnostics on failure.
zonec_build() {
    local out=$1; shift
    [ -x "$ZONEC" ] || { echo "zonec_build: $ZONEC not built" >&2; return 1; }
    if ! "$ZONEC" build "$@" -o "$out" >"$out.log" 2>&1; then
        echo "zonec_build: '$ZONEC build $* -o $out' failed:" >&2
        head -n 30 "$out.log" >&2
        return 1
    fi
}

# zonec_start OUT PORT [ARGS...]: run a built server on 127.0.0.1:PORT (UDP and TCP).
zonec_start() {
    local out=$1 port=$2; shift 2
    "$out" --listen "127.0.0.1:$port" --rrl 0 "$@" >"$out.run.log" 2>&1 &
    ZONEC_PID=$!
    LIB_PIDS+=("$ZONEC_PID")
    if ! wait_port "$port" 10; then
        echo "zonec_start: $out did not listen; its log:" >&2
        tail -n 20 "$out.run.log" >&2
        return 1
    fi
}

# server_stop PID: stop one server started by this library.
server_stop() {
    local pid=$1 i keep=()
    kill "$pid" 2>/dev/null
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in "${LIB_PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
    LIB_PIDS=("${keep[@]}")
}

# zone_origin FILE: the first $ORIGIN of a master file (without the trailing dot).
zone_origin() {
    awk 'toupper($1) == "$ORIGIN" { o = $2; sub(/\.$/, "", o); print o; exit }' "$1"
}
