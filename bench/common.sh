# common.sh -- shell helpers the benchmark scripts share (sourced by run.sh, callgrind.sh,
#              policy-cost.sh): processes, RESULT lines, Knot and NSD configurations
# SPDX-License-Identifier: MIT
#
# Every server a script starts goes into STARTED and is stopped by cleanup (EXIT trap).
# STOP_WAIT (tenths of a second, default 50) is how long stop_tree waits after TERM before
# KILL: servers under callgrind need up to a minute to write their files.

STARTED=()
have() { command -v "$1" >/dev/null 2>&1; }
# kv KEY LINE: the value of KEY=... in a RESULT line of bench/loadgen
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

descendants() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do
        echo "$c"
        descendants "$c"
    done
}
alive() {   # running and not a zombie
    local s
    s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
stop_tree() {   # PID: TERM, up to STOP_WAIT tenths of a second, then KILL, children too
    local pid=$1 kids i
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq "${STOP_WAIT:-50}"); do
        alive "$pid" || break
        sleep 0.1
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in $kids; do
        alive "$i" && kill -KILL "$i" 2>/dev/null
    done
    return 0
}
cleanup() {
    local p
    for p in "${STARTED[@]}"; do
        alive "$p" && stop_tree "$p"
    done
    return 0
}

# conf_knot DIR ZONE, conf_nsd DIR ZONE: a config serving ZONE (origin $ORIGIN) on
# 127.0.0.1, port $PORT_knot / $PORT_nsd, written into DIR (emptied first)
conf_knot() {
    rm -rf "$1"; mkdir -p "$1"
    cat > "$1/knot.conf" <<EOF
# knotd for the benchmark: one UDP worker, one TCP worker, one background worker.
# No mod-rrl is loaded, so there is no rate limiting.
server:
    rundir: "$1"
    listen: 127.0.0.1@$PORT_knot
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$1/knot.sock"
log:
  - target: stderr
    any: warning
database:
    storage: "$1/db"
template:
  - id: default
    storage: "$1"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ORIGIN
    file: "$2"
EOF
}
conf_nsd() {
    rm -rf "$1"; mkdir -p "$1"
    cat > "$1/nsd.conf" <<EOF
# nsd for the benchmark: one server process, no rate limiting, no database file.
server:
    server-count: 1
    ip-address: 127.0.0.1@$PORT_nsd
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$1"
    database: ""
    zonelistfile: "$1/zone.list"
    xfrdfile: "$1/xfrd.state"
    xfrdir: "$1"
    pidfile: "$1/nsd.pid"
    logfile: "$1/nsd.log"
    verbosity: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: $ORIGIN
    zonefile: "$2"
EOF
}
