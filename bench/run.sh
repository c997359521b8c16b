#!/usr/bin/env bash
# run.sh -- side-by-side benchmark of zonec's output binary, Knot DNS, NSD and a trivial
#           fixed-answer responder; writes the results section of docs/benchmarks.md
# SPDX-License-Identifier: MIT
#
# usage: bash bench/run.sh            (what `make bench` runs)
# Environment (all optional):
#   ROUNDS=5         rounds; servers alternate within each round, the start order rotates
#   QUICK=1          1k and 100k records only, 2 rounds (unless ROUNDS is given)
#   SIZES="1000 100000 1000000"   zone sizes in records
#   SERVERS="trivial trivmem zonec knot nsd"   (trivmem: the trivial responder reading one
#                    random cache line per query from a table the size of zonec's binary
#                    for that zone: what the memory of a big zone costs without a lookup)
#   ZONEC=build/zonec              the compiler to measure
#   WORK=build/bench               zones, binaries, configs, logs, raw results
#   DOC=docs/benchmarks.md         "-" prints the results section instead of writing it
#   PORT_BASE=5470   servers use PORT_BASE+0..4, load generators PORT_BASE+10..12
#   SERVER_CPU=0 CLIENT_CPU=1
#   NICE=-10         nice level of the benchmark's own session (autogroup) and of servers and
#                    load generators (as root; 0 when not root), so that other work on a
#                    shared machine disturbs the figures less
#   CAP_SECS=3       closed-loop (max) time per server and round, in CAP_SLICES=6 slices
#                    taken in turns with the other servers;  INFLIGHT=200 queries in flight
#   RATE=20000 FIX_SECS=5          open-loop run: fixed rate and length
#   DNSPERF=1 DNSPERF_SECS=2       also measure max qps with dnsperf (0 to skip)
#   NQUERIES=100000  queries in the mix file
#   SCALE=1          thread scaling: zonec --threads 2 against --threads 1 (0 to skip), on
#                    SCALE_SIZE records (default: the first of SIZES), SCALE_ROUNDS rounds
#                    (default: ROUNDS, at most 3); the server may use CPUs SCALE_CPUS
#                    (default SERVER_CPU,CLIENT_CPU), the load generator is not pinned and
#                    sends from SCALE_SOCKS=4 source ports (PORT_BASE+16..) so that
#                    SO_REUSEPORT spreads the queries over the threads' sockets;
#                    SCALE_ONLY=1 measures only this (quick check; prints, DOC=- implied)
# Every load is bounded by a query count and a time limit; loopback only; every server
# started here is stopped on exit (trap).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    ROUNDS=${ROUNDS:-2}
    SIZES=${SIZES:-"1000 100000"}
else
    ROUNDS=${ROUNDS:-5}
    SIZES=${SIZES:-"1000 100000 1000000"}
fi
SERVERS=${SERVERS:-"trivial trivmem zonec knot nsd"}
ZONEC=${ZONEC:-build/zonec}
WORK=${WORK:-build/bench}
# a quick SCALE_ONLY check prints its section unless DOC is given
if [ "${SCALE_ONLY:-0}" = 1 ]; then DOC=${DOC:--}; else DOC=${DOC:-docs/benchmarks.md}; fi
PORT_BASE=${PORT_BASE:-5470}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
if [ "$(id -u)" = 0 ]; then NICE=${NICE:--10}; else NICE=${NICE:-0}; fi
# The scheduler's autogroups share CPU between sessions regardless of nice, so on a shared
# machine the benchmark runs in a session of its own whose autogroup gets NICE. The outer
# process only forwards INT/TERM (the inner one stops its servers) and returns its status.
if [ -z "${BENCH_INNER:-}" ] && [ "$NICE" != 0 ] && [ -w /proc/self/autogroup ] && command -v setsid >/dev/null; then
    BENCH_INNER=1 setsid bash "$0" "$@" &
    inner=$!
    trap 'kill -TERM "$inner" 2>/dev/null; wait "$inner"; exit 130' INT TERM
    wait "$inner"
    exit $?
fi
[ -n "${BENCH_INNER:-}" ] && { echo "$NICE" > /proc/self/autogroup; } 2>/dev/null
CAP_SECS=${CAP_SECS:-3}
CAP_SLICES=${CAP_SLICES:-6}
INFLIGHT=${INFLIGHT:-200}
RATE=${RATE:-20000}
FIX_SECS=${FIX_SECS:-5}
DNSPERF=${DNSPERF:-1}
DNSPERF_SECS=${DNSPERF_SECS:-2}
NQUERIES=${NQUERIES:-100000}
SCALE=${SCALE:-1}
SCALE_SIZE=${SCALE_SIZE:-${SIZES%% *}}
SCALE_ROUNDS=${SCALE_ROUNDS:-$(( ROUNDS < 3 ? ROUNDS : 3 ))}
SCALE_CPUS=${SCALE_CPUS:-$SERVER_CPU,$CLIENT_CPU}
SCALE_SOCKS=${SCALE_SOCKS:-4}
STARTUP_LIMIT=${STARTUP_LIMIT:-120}
ORIGIN=bench.example.

case "$ZONEC" in /*) ;; *) ZONEC=$ROOT/$ZONEC ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BIN=$WORK/bin
RES=$WORK/results.tsv
INFO=$WORK/info.txt
LOG=$WORK/log
mkdir -p "$BIN" "$LOG"
: > "$RES"
: > "$INFO"

say() { printf 'bench: %s\n' "$*" >&2; }
info() { printf '%s=%s\n' "$1" "$2" >> "$INFO"; }
info_get() { sed -n "s/^$1=//p" "$INFO" | head -1; }
rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$RES"; }

# ---- processes: every server started here is remembered and stopped on exit ----
. "$ROOT/bench/common.sh"
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ---- dependencies and tools ----
if ! bash scripts/deps.sh bench; then
    say "scripts/deps.sh bench failed; going on with what is installed"
fi
CC=${CC:-cc}
for t in loadgen trivial; do
    if ! $CC -O2 -Wall -Wextra -o "$BIN/$t" "bench/$t.c"; then
        say "cannot build bench/$t.c"
        exit 2
    fi
done
LOADGEN=$BIN/loadgen

# ---- machine facts ----
info command "${BENCH_COMMAND:-make bench} (bash bench/run.sh; ROUNDS=$ROUNDS SIZES=\"$SIZES\" QUICK=$QUICK NICE=$NICE)"
info date "$(date -u +%Y-%m-%dT%H:%MZ)"
info git "$(git rev-parse --short HEAD 2>/dev/null || echo none)"
info rounds "$ROUNDS"
info nproc "$(nproc)"
info cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
info kernel "$(uname -r)"
info load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
info server_cpu "$SERVER_CPU"
info client_cpu "$CLIENT_CPU"
info nice "$NICE"
info queries "$NQUERIES"
info rate "$RATE"
KNOT_V=$(knotd --version 2>/dev/null | sed -n 's/.*version //p')
NSD_V=$(nsd -v 2>&1 | sed -n 's/^NSD version //p')
DNSPERF_V=$(dnsperf -h 2>&1 | sed -n 's/^DNS Performance Testing Tool.*Version \([^ ]*\).*/\1/p' | head -1)
info knot_version "${KNOT_V:-?}"
info nsd_version "${NSD_V:-?}"
info versions "knotd ${KNOT_V:-missing}, nsd ${NSD_V:-missing}, dnsperf ${DNSPERF_V:-$(have dnsperf && echo present || echo missing)}, $($CC --version | head -1)"

PORT_trivial=$PORT_BASE
PORT_zonec=$((PORT_BASE + 1))
PORT_knot=$((PORT_BASE + 2))
PORT_nsd=$((PORT_BASE + 3))
PORT_trivmem=$((PORT_BASE + 4))
LPORT_LOAD=$((PORT_BASE + 10))
LPORT_PROBE=$((PORT_BASE + 11))
LPORT_DNSPERF=$((PORT_BASE + 12))
LPORT_SCALE=$((PORT_BASE + 16))   # .. + SCALE_SOCKS - 1

# check which servers can run at all
RUN_SERVERS=""
SKIPPED=""
for s in $SERVERS; do
    case $s in
    trivial|trivmem) RUN_SERVERS="$RUN_SERVERS $s" ;;
    zonec)
        if [ -x "$ZONEC" ] && "$ZONEC" --version >/dev/null 2>&1; then
            RUN_SERVERS="$RUN_SERVERS $s"
        else
            SKIPPED="$SKIPPED zonec (no working $ZONEC)"
            info zonec_note "no working $ZONEC"
        fi ;;
    knot) if have knotd && have knotc; then RUN_SERVERS="$RUN_SERVERS $s"; else SKIPPED="$SKIPPED knot (not installed)"; fi ;;
    nsd) if have nsd; then RUN_SERVERS="$RUN_SERVERS $s"; else SKIPPED="$SKIPPED nsd (not installed)"; fi ;;
    *) say "unknown server $s"; exit 2 ;;
    esac
done
read -r -a RUN_ARR <<< "$RUN_SERVERS"
say "servers: ${RUN_ARR[*]}; sizes: $SIZES; rounds: $ROUNDS"

# ---- per-server configuration (conf_knot, conf_nsd: bench/common.sh) ----
server_cmd() {
    case $1 in
    trivial) printf '%s\n' "$BIN/trivial" -p "$PORT_trivial" ;;
    trivmem) printf '%s\n' "$BIN/trivial" -p "$PORT_trivmem" -m "$(table_mb "$2")" -n 1 ;;
    zonec) printf '%s\n' "$WORK/zonec-$2" --listen "127.0.0.1:$PORT_zonec" --threads 1 --rrl 0 ;;
    knot) printf '%s\n' knotd -c "$WORK/run-knot/knot.conf" ;;
    nsd) printf '%s\n' nsd -d -c "$WORK/run-nsd/nsd.conf" ;;
    esac
}

# table_mb SIZE: MiB of trivmem's table, the size of zonec's binary for SIZE records
# (rounded up), or 100 bytes per record when there is no binary
table_mb() {
    local b=$WORK/zonec-$1
    if [ -s "$b" ]; then
        echo $(( ($(stat -c %s "$b") + 1048575) / 1048576 ))
    else
        echo $(( $1 / 10000 + 1 ))
    fi
}

# timed RESULTPREFIX CMD...: run CMD under /usr/bin/time -v; sets T_WALL (s) and T_RSS (MB)
timed() {
    local tf=$WORK/time.out rc
    /usr/bin/time -v -o "$tf" "$@" > "$LOG/timed.out" 2>&1
    rc=$?
    T_WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0;
             for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$tf")
    T_RSS=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tf")
    return $rc
}

peak_rss_mb() {   # largest VmHWM among PID and its descendants, in MB
    local p m=0 v
    for p in "$1" $(descendants "$1"); do
        v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)
        [ -n "$v" ] && [ "$v" -gt "$m" ] && m=$v
    done
    awk -v k="$m" 'BEGIN {printf "%.1f", k / 1024}'
}

# count_bad SIZE SERVER ROUND LINE: add wrong-ID / wrong-question answers to the record
count_bad() {
    local b
    local u m x
    u=$(kv unexpected "$4"); m=$(kv mismatch "$4"); x=$(kv malformed "$4")
    b=$(( ${u:-0} + ${m:-0} + ${x:-0} ))
    rec "$1" "$2" bad "$3" "$b"
}

# ---- one size, one round: every server started, capacity in interleaved slices ----
# The servers of a round run side by side (each pinned to SERVER_CPU; a server not being
# measured is idle). Capacity is measured in CAP_SLICES slices per server, the servers taking
# turns slice by slice, so that a server and the trivial responder are measured seconds
# apart: on a shared virtual machine the rate of every server drifts by 10-20% within a
# minute, which a single run per server and round turned into noise in the ratios.
declare -A SPID CAP_N

# measure_up SERVER SIZE ROUND: start (start-up time), touch every name, peak RSS; the
# server keeps running (SPID[SERVER]).
measure_up() {
    local s=$1 size=$2 r=$3 port res line spid i cmd
    eval "port=\$PORT_$s"
    res=$WORK/startup.res
    rm -f "$res"
    case $s in
    knot) conf_knot "$WORK/run-knot" "$WORK/zone-$size.zone" ;;
    nsd) conf_nsd "$WORK/run-nsd" "$WORK/zone-$size.zone" ;;
    esac
    mapfile -t cmd < <(server_cmd "$s" "$size")
    nice -n "$NICE" taskset -c "$SERVER_CPU" "$LOADGEN" -m startup -p "$port" -x "$LPORT_PROBE" \
        -q "$ORIGIN SOA" -o "$res" -A "$CLIENT_CPU" -l "$STARTUP_LIMIT" -- "${cmd[@]}" \
        > "$LOG/$s-$size-r$r.log" 2>&1 &
    spid=$!
    STARTED+=("$spid")
    for i in $(seq $((STARTUP_LIMIT * 20 + 100))); do
        [ -s "$res" ] && break
        sleep 0.05
    done
    line=$(cat "$res" 2>/dev/null)
    local ms
    ms=$(kv startup_ms "$line")
    if [ -z "$ms" ] || [ "${ms#-}" != "$ms" ] || ! alive "$spid"; then
        say "  $s: no correct answer within ${STARTUP_LIMIT}s (see $LOG/$s-$size-r$r.log)"
        stop_tree "$spid"
        return 1
    fi
    rec "$size" "$s" startup_ms "$r" "$ms"

    # touch every name once, then read the peak RSS
    local nall
    nall=$(wc -l < "$WORK/all-$size.q")
    line=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m closed -d "$WORK/all-$size.q" -p "$port" \
        -x "$LPORT_LOAD" -c "$INFLIGHT" -n "$nall" -l 300 -L touch)
    count_bad "$size" "$s" "$r" "$line"
    rec "$size" "$s" rss_mb "$r" "$(peak_rss_mb "$spid")"
    SPID[$s]=$spid
    CAP_N[$s]="0 0 0 0 0 0"   # answered sent noerror nxdomain server-CPU-s seconds
    return 0
}

# measure_slice SERVER SIZE ROUND: one closed-loop slice of CAP_SECS / CAP_SLICES seconds,
# added to the server's sums (CAP_N).
measure_slice() {
    local s=$1 size=$2 r=$3 port line secs
    eval "port=\$PORT_$s"
    secs=$(awk -v a="$CAP_SECS" -v b="$CAP_SLICES" 'BEGIN {printf "%.3f", a / b}')
    line=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m closed -d "$WORK/mix-$size.q" -p "$port" \
        -x "$LPORT_LOAD" -c "$INFLIGHT" -n 100000000 -l "$secs" -P "${SPID[$s]}" -L max)
    echo "$s $size r$r $line" >> "$LOG/results.log"
    count_bad "$size" "$s" "$r" "$line"
    CAP_N[$s]=$(awk -v acc="${CAP_N[$s]}" -v a="$(kv answered "$line")" -v b="$(kv sent "$line")" \
        -v c="$(kv noerror "$line")" -v d="$(kv nxdomain "$line")" -v e="$(kv srv_cpu_s "$line")" \
        -v f="$(kv secs "$line")" 'BEGIN {split(acc, x, " ");
        printf "%d %d %d %d %.6f %.6f", x[1] + a, x[2] + b, x[3] + c, x[4] + d, x[5] + e, x[6] + f}')
}

# measure_down SERVER SIZE ROUND: capacity figures from the slices, then the fixed-rate run
# and dnsperf; stops the server.
measure_down() {
    local s=$1 size=$2 r=$3 port line spid=${SPID[$s]} ans sent nox nxd cpu secs
    eval "port=\$PORT_$s"
    read -r ans sent nox nxd cpu secs <<< "${CAP_N[$s]}"
    if [ "$ans" -gt 0 ] && awk -v c="$cpu" 'BEGIN {exit !(c > 0)}'; then
        rec "$size" "$s" qps "$r" "$(awk -v a="$ans" -v t="$secs" 'BEGIN {printf "%.0f", a / t}')"
        rec "$size" "$s" cap "$r" "$(awk -v a="$ans" -v c="$cpu" 'BEGIN {printf "%.0f", a / c}')"
        rec "$size" "$s" util "$r" "$(awk -v c="$cpu" -v t="$secs" 'BEGIN {printf "%.1f", 100 * c / t}')"
        rec "$size" "$s" lost_pct "$r" "$(awk -v a="$ans" -v b="$sent" 'BEGIN {printf "%.4f", 100 * (b - a) / b}')"
        rec "$size" "$s" noerror_pct "$r" "$(awk -v x="$nox" -v a="$ans" 'BEGIN {printf "%.2f", 100 * x / a}')"
        rec "$size" "$s" nxdomain_pct "$r" "$(awk -v x="$nxd" -v a="$ans" 'BEGIN {printf "%.2f", 100 * x / a}')"
        rec "$size" "$s" other_pct "$r" "$(awk -v x="$nox" -v y="$nxd" -v a="$ans" 'BEGIN {printf "%.2f", 100 * (a - x - y) / a}')"
    fi

    # open loop at a fixed rate: server CPU per million answers
    line=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m open -Q "$RATE" -d "$WORK/mix-$size.q" \
        -p "$port" -x "$LPORT_LOAD" -n $((RATE * FIX_SECS)) -l $((FIX_SECS + 1)) -P "$spid" -L fixed)
    echo "$s $size r$r $line" >> "$LOG/results.log"
    count_bad "$size" "$s" "$r" "$line"
    rec "$size" "$s" cpu_per_m "$r" "$(kv cpu_per_m "$line")"
    ans=$(kv answered "$line"); sent=$(kv sent "$line")
    [ "${sent:-0}" -gt 0 ] && rec "$size" "$s" lost_fix_pct "$r" "$(awk -v a="$ans" -v b="$sent" 'BEGIN {printf "%.4f", 100 * (b - a) / b}')"

    # dnsperf max (its own figure; it runs out of CPU before these servers do)
    if [ "$DNSPERF" = 1 ] && have dnsperf; then
        line=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" timeout $((DNSPERF_SECS + 10)) dnsperf -s 127.0.0.1 \
            -p "$port" -x "$LPORT_DNSPERF" -d "$WORK/mix-$size.q" -l "$DNSPERF_SECS" -c 1 \
            -T 1 -q "$INFLIGHT" -t 1 -e 2>&1 | sed -n 's/.*Queries per second:[[:space:]]*//p')
        [ -n "$line" ] && rec "$size" "$s" dnsperf_qps "$r" "$line"
    fi

    stop_tree "$spid"
    unset 'SPID[$s]'
    return 0
}

# ---- zones, compile and check times ----
for size in $SIZES; do
    z=$WORK/zone-$size.zone
    if [ ! -s "$z" ] || [ bench/gen-zone.py -nt "$z" ]; then
        say "generating $size-record zone"
        python3 bench/gen-zone.py "$size" "$z" "$ORIGIN" || exit 2
    fi
    if [ ! -s "$WORK/mix-$size.q" ] || [ bench/gen-queries.py -nt "$WORK/mix-$size.q" ] || [ "$z" -nt "$WORK/mix-$size.q" ]; then
        python3 bench/gen-queries.py "$z" "$WORK/mix-$size.q" --count "$NQUERIES" || exit 2
        python3 bench/gen-queries.py "$z" "$WORK/all-$size.q" --all || exit 2
    fi
    info "records_$size" "$(grep -c ' IN ' "$z")"
done

MAIN_ROUNDS=$ROUNDS
if [ "${SCALE_ONLY:-0}" = 1 ]; then
    MAIN_ROUNDS=0
    "$ZONEC" build "$WORK/zone-$SCALE_SIZE.zone" -o "$WORK/zonec-$SCALE_SIZE" || exit 2
fi
for r in $(seq "$MAIN_ROUNDS"); do
    for size in $SIZES; do
        z=$WORK/zone-$size.zone
        # compile / check times, every round
        for s in "${RUN_ARR[@]}"; do
            case $s in
            zonec)
                if timed "$ZONEC" build "$z" -o "$WORK/zonec-$size"; then
                    rec "$size" zonec load_s "$r" "$T_WALL"
                    rec "$size" zonec load_rss_mb "$r" "$T_RSS"
                    rec "$size" zonec size_mb "$r" "$(stat -c %s "$WORK/zonec-$size" | awk '{printf "%.3f", $1 / 1048576}')"
                else
                    say "zonec build failed for $size records (see $LOG/zonec-build-$size.out)"
                    cp "$LOG/timed.out" "$LOG/zonec-build-$size.out"
                    rm -f "$WORK/zonec-$size"
                fi ;;
            knot)
                conf_knot "$WORK/run-knot" "$z"
                if timed knotc -c "$WORK/run-knot/knot.conf" zone-check "$ORIGIN"; then
                    rec "$size" knot load_s "$r" "$T_WALL"
                    rec "$size" knot load_rss_mb "$r" "$T_RSS"
                fi ;;
            nsd)
                if timed nsd-checkzone "$ORIGIN" "$z"; then
                    rec "$size" nsd load_s "$r" "$T_WALL"
                    rec "$size" nsd load_rss_mb "$r" "$T_RSS"
                fi ;;
            esac
        done
        # servers: start order rotated every round; capacity slices taken in turns, the
        # order rotated every slice; then the fixed-rate runs, in the start order
        n=${#RUN_ARR[@]}
        UP=()
        for i in $(seq 0 $((n - 1))); do
            s=${RUN_ARR[$(( (i + r - 1) % n ))]}
            if [ "$s" = zonec ] && [ ! -x "$WORK/zonec-$size" ]; then
                continue
            fi
            say "round $r/$ROUNDS, $size records: starting $s"
            if measure_up "$s" "$size" "$r"; then UP+=("$s"); else say "  $s failed in round $r"; fi
        done
        say "round $r/$ROUNDS, $size records: capacity, $CAP_SLICES slices each (${UP[*]})"
        for k in $(seq 0 $((CAP_SLICES - 1))); do
            for i in $(seq 0 $((${#UP[@]} - 1))); do
                measure_slice "${UP[$(( (i + k) % ${#UP[@]} ))]}" "$size" "$r"
            done
        done
        for s in "${UP[@]}"; do
            say "round $r/$ROUNDS, $size records: fixed rate, $s"
            measure_down "$s" "$size" "$r"
        done
    done
done

# ---- thread scaling: zonec --threads 2 against --threads 1 ----
# thread_cpu PID: "TID CPU-NS" per thread of PID
thread_cpu() {
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s %s\n' "${t##*/}" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
    done
}
scale_one() {   # THREADS ROUND
    local t=$1 r=$2 size=$SCALE_SIZE port=$PORT_zonec res=$WORK/startup.res spid i line before after
    rm -f "$res"
    nice -n "$NICE" taskset -c "$SCALE_CPUS" "$LOADGEN" -m startup -p "$port" -x "$LPORT_PROBE" \
        -q "$ORIGIN SOA" -o "$res" -l "$STARTUP_LIMIT" -- "$WORK/zonec-$size" \
        --listen "127.0.0.1:$port" --threads "$t" --rrl 0 > "$LOG/scale-t$t-r$r.log" 2>&1 &
    spid=$!
    STARTED+=("$spid")
    for i in $(seq $((STARTUP_LIMIT * 20 + 100))); do
        [ -s "$res" ] && break
        sleep 0.05
    done
    if [ -z "$(kv startup_ms "$(cat "$res" 2>/dev/null)")" ] || ! alive "$spid"; then
        say "  zonec --threads $t did not start (see $LOG/scale-t$t-r$r.log)"
        stop_tree "$spid"
        return 1
    fi
    before=$(thread_cpu "$spid")
    line=$(nice -n "$NICE" "$LOADGEN" -m closed -k "$SCALE_SOCKS" -d "$WORK/mix-$size.q" -p "$port" \
        -x "$LPORT_SCALE" -c "$INFLIGHT" -n 100000000 -l "$CAP_SECS" -P "$spid" -L "scale-t$t")
    after=$(thread_cpu "$spid")
    stop_tree "$spid"
    echo "scale t$t $size r$r $line" >> "$LOG/results.log"
    count_bad "$size" "zonec_t$t" "$r" "$line"
    rec "$size" "zonec_t$t" qps "$r" "$(kv qps "$line")"
    rec "$size" "zonec_t$t" cap "$r" "$(kv cap "$line")"
    rec "$size" "zonec_t$t" util "$r" "$(awk -v c="$(kv srv_cpu_s "$line")" -v t="$(kv secs "$line")" 'BEGIN {printf "%.1f", (t > 0 ? 100 * c / t : 0)}')"
    # the busiest thread's share of the server's CPU time: 50% = an even spread over two
    rec "$size" "zonec_t$t" busiest_pct "$r" "$(printf '%s\n--\n%s\n' "$before" "$after" | awk '
        $1 == "--" {after = 1; next}
        !after {b[$1] = $2; next}
        {d = $2 - b[$1]; if (d > 0) {sum += d; if (d > max) max = d}}
        END {printf "%.1f", (sum > 0 ? 100 * max / sum : 0)}')"
    return 0
}
if [ "$SCALE" = 1 ] && [ -x "$WORK/zonec-$SCALE_SIZE" ] && [[ " ${RUN_ARR[*]} " == *" zonec "* ]]; then
    info scale_size "$SCALE_SIZE"
    info scale_cpus "$SCALE_CPUS"
    info scale_socks "$SCALE_SOCKS"
    for r in $(seq "$SCALE_ROUNDS"); do
        order="1 2"
        [ $((r % 2)) = 0 ] && order="2 1"
        for t in $order; do
            say "thread scaling, round $r/$SCALE_ROUNDS: zonec --threads $t"
            scale_one "$t" "$r" || say "  failed"
        done
    done
fi

info load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
# The 1-minute load average before the run tells whether the machine was shared at the time.
if [ -z "${BUSY_NOTE:-}" ] && awk -v l="$(info_get load_before)" 'BEGIN {exit !(l + 0 > 0.3)}'; then
    BUSY_NOTE="The machine was shared with other work while this ran (load average above 0.3 before the start): absolute figures are noisy, ratios within the run are the figures to read."
fi
info busy_note "${BUSY_NOTE:-}"
[ -n "$SKIPPED" ] && info skipped "${SKIPPED# }"

section=$WORK/results.md
python3 bench/report.py "$RES" "$INFO" > "$section" || exit 2
if [ "$DOC" = - ]; then
    cat "$section"
else
    marker='<!-- bench/run.sh writes everything below this line -->'
    if [ -f "$DOC" ] && grep -qF "$marker" "$DOC"; then
        awk -v m="$marker" '{print} $0 == m {exit}' "$DOC" > "$DOC.tmp"
    else
        printf '# Benchmarks\n\n%s\n' "$marker" > "$DOC.tmp"
    fi
    { echo; cat "$section"; } >> "$DOC.tmp"
    mv "$DOC.tmp" "$DOC"
    say "wrote $DOC"
    cat "$section"
fi
