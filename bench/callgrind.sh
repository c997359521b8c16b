#!/usr/bin/env bash
# callgrind.sh -- user-space instructions per answered query (SPEC §6) under callgrind, for
#                 zonec's output binary and, as a yardstick, Knot DNS and NSD; writes the
#                 "Instructions per query" section of docs/benchmarks.md
# SPDX-License-Identifier: MIT
#
# usage: bash bench/callgrind.sh
# Environment (all optional):
#   ZONEC=build/zonec  WORK=build/bench  DOC=docs/benchmarks.md ("-" prints the section only)
#   SIZES="1000 100000 1000000"   zone sizes for zonec;  PEER_SIZES="1000 100000" for Knot/NSD
#   SERVERS="zonec knot nsd"
#   NQ=20000 RATE=2000             queries and rate (open loop) for zonec
#   PEER_NQ=3000 PEER_RATE=300     the same for Knot and NSD (slow under valgrind)
#   BURST=1          also drive zonec in a closed loop (200 in flight): full recvmmsg batches
#   IDLE_SECS=2      length of the idle baseline
#   PORT_BASE=5470   servers use PORT_BASE+4..6, the load generator PORT_BASE+13..14
#   NICE=-10         as in run.sh: own session, autogroup nice (as root)
#   REPORT_ONLY=1    measure nothing: write the section from the last run's results
# Method: the server runs under `valgrind --tool=callgrind`; once it answers, its counters are
# zeroed (callgrind_control -z), it idles IDLE_SECS and is dumped (idle baseline), zeroed
# again, sent NQ queries from the realistic mix at RATE/s by bench/loadgen, and dumped again.
# Instructions per answered query = (load Ir - idle Ir/s x load seconds) / answered, summed
# over every thread and process of the server. Instruction counts do not depend on the
# machine's load; how many datagrams each recvmmsg call returns does, and is reported.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
SIZES=${SIZES:-"1000 100000 1000000"}
PEER_SIZES=${PEER_SIZES:-"1000 100000"}
SERVERS=${SERVERS:-"zonec knot nsd"}
ZONEC=${ZONEC:-build/zonec}
WORK=${WORK:-build/bench}
DOC=${DOC:-docs/benchmarks.md}
NQ=${NQ:-20000}
RATE=${RATE:-2000}
PEER_NQ=${PEER_NQ:-3000}
PEER_RATE=${PEER_RATE:-300}
BURST=${BURST:-1}
IDLE_SECS=${IDLE_SECS:-2}
PORT_BASE=${PORT_BASE:-5470}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
STARTUP_LIMIT=${STARTUP_LIMIT:-600}
if [ "$(id -u)" = 0 ]; then NICE=${NICE:--10}; else NICE=${NICE:-0}; fi
# see run.sh: a session of our own whose autogroup gets NICE
if [ -z "${BENCH_INNER:-}" ] && [ "$NICE" != 0 ] && [ -w /proc/self/autogroup ] && command -v setsid >/dev/null; then
    BENCH_INNER=1 setsid bash "$0" "$@" &
    inner=$!
    trap 'kill -TERM "$inner" 2>/dev/null; wait "$inner"; exit 130' INT TERM
    wait "$inner"
    exit $?
fi
[ -n "${BENCH_INNER:-}" ] && { echo "$NICE" > /proc/self/autogroup; } 2>/dev/null
ORIGIN=bench.example.

case "$ZONEC" in /*) ;; *) ZONEC=$ROOT/$ZONEC ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
CG=$WORK/callgrind
BIN=$WORK/bin
mkdir -p "$CG" "$BIN"
RES=$CG/results.tsv
META=$CG/meta.txt
REPORT_ONLY=${REPORT_ONLY:-0}
if [ "$REPORT_ONLY" = 1 ]; then
    [ -s "$RES" ] && [ -s "$META" ] || { echo "callgrind: no results in $CG to report" >&2; exit 2; }
else
    : > "$RES"
fi

say() { printf 'callgrind: %s\n' "$*" >&2; }
now() { date +%s.%N; }

PORT_zonec=$((PORT_BASE + 4))
PORT_knot=$((PORT_BASE + 5))
PORT_nsd=$((PORT_BASE + 6))
LPORT_LOAD=$((PORT_BASE + 13))
LPORT_PROBE=$((PORT_BASE + 14))

STOP_WAIT=600   # callgrind writes its files on exit: up to a minute
. "$ROOT/bench/common.sh"
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

if [ "$REPORT_ONLY" != 1 ] && ! bash scripts/deps.sh bench > /dev/null; then
    say "scripts/deps.sh bench failed; going on with what is installed"
fi
for t in valgrind callgrind_control python3; do
    have "$t" || { say "$t is missing (apt-get install valgrind)"; exit 2; }
done
CC=${CC:-cc}
$CC -O2 -Wall -Wextra -o "$BIN/loadgen" bench/loadgen.c || { say "cannot build bench/loadgen.c"; exit 2; }
LOADGEN=$BIN/loadgen
echo "$ORIGIN SOA" > "$CG/probe.q"

# cg_all CMD PID: callgrind_control CMD for the server and all its processes
cg_all() {
    local p
    for p in "$2" $(descendants "$2"); do
        callgrind_control "$1" "$p" > /dev/null 2>&1
    done
}

# start_server SERVER SIZE DIR PORT CMD...: start CMD under callgrind (sets spid), wait for an
# answer to the probe (NOERROR), then one more second
start_server() {
    local s=$1 size=$2 d=$3 port=$4 i line t_start
    shift 4
    local vg=(valgrind --tool=callgrind --callgrind-out-file="$d/cg.%p" --dump-instr=no --separate-recs=2)
    nice -n "$NICE" taskset -c "$SERVER_CPU" "${vg[@]}" "$@" >> "$d/server.log" 2>&1 &
    spid=$!
    STARTED+=("$spid")
    t_start=$(now)
    for i in $(seq $((STARTUP_LIMIT * 2))); do
        alive "$spid" || break
        line=$("$LOADGEN" -m closed -d "$CG/probe.q" -p "$port" -x "$LPORT_PROBE" -c 1 -n 1 -l 1 -t 0.5 2>/dev/null)
        if [ "$(kv noerror "$line")" = 1 ]; then
            say "  $s ($size): ready after $(awk -v a="$t_start" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}') s under callgrind"
            sleep 1
            return 0
        fi
        sleep 0.5
    done
    say "  $s ($size): no answer within ${STARTUP_LIMIT}s (see $d/server.log)"
    stop_tree "$spid"
    return 1
}

# serving_child PID PREFIX: the descendant of PID whose name (comm) starts with PREFIX
serving_child() {
    local p
    for p in $(descendants "$1"); do
        if grep -q "^$2" "/proc/$p/comm" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# measure_forked SERVER SIZE DIR PORT NQ RATE CMD...: for servers whose queries are answered
# by a forked child (NSD): callgrind_control cannot reach forked children, so the server runs
# twice, idle and loaded, for the same time, and the serving child's totals at exit differ by
# the cost of the queries.
measure_forked() {
    local s=$1 size=$2 d=$3 port=$4 nq=$5 rate=$6 child out dur t2 t3
    shift 6
    dur=$(awk -v n="$nq" -v r="$rate" 'BEGIN {printf "%.1f", n / r + 0.5}')
    start_server "$s" "$size" "$d" "$port" "$@" || return 1
    child=$(serving_child "$spid" "nsd: server") || { say "  no serving child"; stop_tree "$spid"; return 1; }
    sleep "$dur"
    stop_tree "$spid"
    local idle_file=$d/cg.$child
    start_server "$s" "$size" "$d" "$port" "$@" || return 1
    child=$(serving_child "$spid" "nsd: server") || { say "  no serving child"; stop_tree "$spid"; return 1; }
    t2=$(now)
    out=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m open -Q "$rate" -d "$WORK/mix-$size.q" \
        -p "$port" -x "$LPORT_LOAD" -n "$nq" -l $((nq / rate * 3 + 20)) -t 2 -L open)
    sleep 0.5
    t3=$(now)
    stop_tree "$spid"
    echo "$s $size $out (load $(awk -v a="$t2" -v b="$t3" 'BEGIN {printf "%.1f", b - a}') s, idle run $dur s)" >> "$CG/loadgen.log"
    python3 bench/cgstat.py --calls recvmmsg --top 5 --top-self 15 --base "$idle_file" "$d/cg.$child" \
        > "$d/open.txt" || return 1
    echo "total=0" > "$d/idle.txt"
    # the idle run is already subtracted: no idle rate (t0 = t1)
    emit "$s" "$size" open "$out" "$d/idle.txt" "$d/open.txt" 0 0 0 1
}

# measure SERVER SIZE: one server under callgrind; appends lines to $RES
measure() {
    local s=$1 size=$2 port d out nq rate
    eval "port=\$PORT_$s"
    d=$CG/$s-$size
    rm -rf "$d"; mkdir -p "$d"
    case $s in
    zonec) set -- "$WORK/zonec-$size" --listen "127.0.0.1:$port" --threads 1 --rrl 0; nq=$NQ; rate=$RATE ;;
    knot) conf_knot "$d/run" "$WORK/zone-$size.zone"; set -- knotd -c "$d/run/knot.conf"; nq=$PEER_NQ; rate=$PEER_RATE ;;
    nsd) conf_nsd "$d/run" "$WORK/zone-$size.zone"; set -- nsd -d -c "$d/run/nsd.conf"; nq=$PEER_NQ; rate=$PEER_RATE ;;
    esac
    if [ "$s" = nsd ]; then
        measure_forked "$s" "$size" "$d" "$port" "$nq" "$rate" "$@"
        return $?
    fi
    start_server "$s" "$size" "$d" "$port" "$@" || return 1
    local t0 t1 t2 t3 t4 t5
    cg_all -z "$spid"; t0=$(now)
    sleep "$IDLE_SECS"
    cg_all -d "$spid"; t1=$(now)                           # part 1: idle
    cg_all -z "$spid"; t2=$(now)
    out=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m open -Q "$rate" -d "$WORK/mix-$size.q" \
        -p "$port" -x "$LPORT_LOAD" -n "$nq" -l $((nq / rate * 3 + 20)) -t 2 -L open)
    sleep 0.5   # late answers
    cg_all -d "$spid"; t3=$(now)                           # part 2: open loop
    local burst=""
    if [ "$s" = zonec ] && [ "$BURST" = 1 ]; then
        cg_all -z "$spid"; t4=$(now)
        burst=$(nice -n "$NICE" taskset -c "$CLIENT_CPU" "$LOADGEN" -m closed -c 200 -d "$WORK/mix-$size.q" \
            -p "$port" -x "$LPORT_LOAD" -n "$nq" -l 120 -t 2 -L burst)
        sleep 0.5
        cg_all -d "$spid"; t5=$(now)                       # part 3: closed loop
    fi
    stop_tree "$spid"
    echo "$s $size $out" >> "$CG/loadgen.log"
    [ -n "$burst" ] && echo "$s $size $burst" >> "$CG/loadgen.log"

    # udp_batch = one recvmmsg + one sendmmsg (runtime/net.c); find_node = name hash + compare
    local fns=(--fn rt_query_process --fn rt_query_process_batch --fn find_node --fn udp_main
               --calls udp_batch --calls recvmmsg --calls rt_query_process --top 5)
    python3 bench/cgstat.py "${fns[@]}" "$d"/cg.*.1 > "$d/idle.txt" || return 1
    python3 bench/cgstat.py "${fns[@]}" --top-self 15 "$d"/cg.*.2 > "$d/open.txt" || return 1
    emit "$s" "$size" open "$out" "$d/idle.txt" "$d/open.txt" "$t0" "$t1" "$t2" "$t3"
    if [ -n "$burst" ]; then
        python3 bench/cgstat.py "${fns[@]}" --top-self 15 "$d"/cg.*.3 > "$d/burst.txt" || return 1
        emit "$s" "$size" burst "$burst" "$d/idle.txt" "$d/burst.txt" "$t0" "$t1" "$t4" "$t5"
    fi
    return 0
}

# emit SERVER SIZE LOAD LOADGEN-LINE IDLE-STATS LOAD-STATS T0 T1 T2 T3: one result line
emit() {
    local s=$1 size=$2 load=$3 line=$4 idle=$5 st=$6
    local ans idle_ir load_ir
    ans=$(kv answered "$line")
    idle_ir=$(sed -n 's/^total=//p' "$idle")
    load_ir=$(sed -n 's/^total=//p' "$st")
    if [ -z "$ans" ] || [ "$ans" = 0 ]; then
        say "  $s ($size, $load): no answers"
        return 1
    fi
    python3 - "$s" "$size" "$load" "$ans" "$(kv sent "$line")" "$idle_ir" "$load_ir" "$7" "$8" "$9" "${10}" "$st" >> "$RES" <<'EOF'
import sys
s, size, load, ans, sent, idle_ir, load_ir, t0, t1, t2, t3, stats = sys.argv[1:]
ans, sent, idle_ir, load_ir = int(ans), int(sent or 0), int(idle_ir or 0), int(load_ir or 0)
idle_rate = idle_ir / (float(t1) - float(t0)) if float(t1) > float(t0) else None
secs = float(t3) - float(t2)
kv = {}
top = []
for line in open(stats):
    k, _, v = line.rstrip("\n").partition("=")
    kv[k] = v
    if k.startswith("top."):
        name, ir = v.split("\t")
        top.append("%s %.0f" % (name, int(ir) / ans))
per_q = (load_ir - (idle_rate or 0) * secs) / ans
rq = (int(kv.get("incl.rt_query_process", 0)) + int(kv.get("incl.rt_query_process_batch", 0))) / ans
calls = int(kv.get("calls.udp_batch", 0)) or int(kv.get("calls.recvmmsg", 0))
batch = "%.1f" % (ans / calls) if calls else "-"
print("\t".join([s, size, load, str(ans), str(sent), "%.0f" % per_q, "%.0f" % rq if rq else "-",
                 batch, "%.0f" % idle_rate if idle_rate is not None else "-", "; ".join(top)]))
EOF
    say "  $s ($size, $load): $(tail -1 "$RES" | cut -f4-9 | tr '\t' ' ')"
}

[ "$REPORT_ONLY" = 1 ] && SIZES=""
for size in $SIZES; do
    z=$WORK/zone-$size.zone
    if [ ! -s "$z" ] || [ bench/gen-zone.py -nt "$z" ]; then
        say "generating $size-record zone"
        python3 bench/gen-zone.py "$size" "$z" "$ORIGIN" || exit 2
    fi
    if [ ! -s "$WORK/mix-$size.q" ] || [ bench/gen-queries.py -nt "$WORK/mix-$size.q" ] || [ "$z" -nt "$WORK/mix-$size.q" ]; then
        python3 bench/gen-queries.py "$z" "$WORK/mix-$size.q" --count 100000 || exit 2
    fi
done

info_load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t_begin=$(date +%s)
for size in $SIZES; do
    for s in $SERVERS; do
        case $s in
        zonec)
            [ -x "$ZONEC" ] || { say "no $ZONEC"; continue; }
            if [ ! -x "$WORK/zonec-$size" ] || [ "$ZONEC" -nt "$WORK/zonec-$size" ] || [ "$WORK/zone-$size.zone" -nt "$WORK/zonec-$size" ]; then
                say "compiling the $size-record zone"
                "$ZONEC" build "$WORK/zone-$size.zone" -o "$WORK/zonec-$size" > "$CG/build-$size.log" 2>&1 \
                    || { say "zonec build failed (see $CG/build-$size.log)"; continue; }
            fi ;;
        knot) have knotd || continue; case " $PEER_SIZES " in *" $size "*) ;; *) continue ;; esac ;;
        nsd) have nsd || continue; case " $PEER_SIZES " in *" $size "*) ;; *) continue ;; esac ;;
        *) say "unknown server $s"; exit 2 ;;
        esac
        say "$s, $size records"
        measure "$s" "$size" || say "  $s ($size) failed"
    done
done
info_load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - t_begin ))
if [ "$REPORT_ONLY" = 1 ]; then
    # shellcheck disable=SC1090
    . "$META"
else
    { printf 'info_load_before=%q\n' "$info_load_before"; printf 'info_load_after=%q\n' "$info_load_after"
      printf 'elapsed=%q\n' "$elapsed"; printf 'run_date=%q\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
      printf 'run_git=%q\n' "$(git rev-parse --short HEAD 2>/dev/null || echo none)"
      printf 'NQ=%q RATE=%q PEER_NQ=%q PEER_RATE=%q\n' "$NQ" "$RATE" "$PEER_NQ" "$PEER_RATE"; } > "$META"
fi

section=$CG/section.md
python3 - "$RES" "$NQ" "$RATE" "$PEER_NQ" "$PEER_RATE" "$info_load_before" "$info_load_after" \
    "$elapsed" "$(sed -n 's/^run_git=//p' "$META")" "$(sed -n 's/^run_date=//p' "$META")" "$(valgrind --version)" \
    "$(knotd --version 2>/dev/null | sed -n 's/.*version //p')" "$(nsd -v 2>&1 | sed -n 's/^NSD version //p')" \
    > "$section" <<'EOF'
import sys
(res, nq, rate, pnq, prate, lb, la, elapsed, git, date, vg, knotv, nsdv) = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
names = {"zonec": "zonec", "knot": "Knot " + (knotv or "?"), "nsd": "NSD " + (nsdv or "?")}
def size_label(n):
    n = int(n)
    return "%dM" % (n // 1000000) if n >= 1000000 else "%dk" % (n // 1000)
print("## Instructions per query (callgrind)")
print()
print("Generated by `bash bench/callgrind.sh` (`make bench-insn`) on %s (git %s, %s), %s s; "
      "load average before / after: %s / %s." % (date, git, vg, elapsed, lb, la))
print()
print("Each server runs under `valgrind --tool=callgrind`. Once it answers, its counters are "
      "zeroed, it idles for a baseline, and then receives queries from the same realistic mix "
      "as above (the first N lines of `mix-SIZE.q`): %s at %s/s for zonec, %s at %s/s for "
      "Knot and NSD, which are slower under valgrind. *Ir/query* = user-space instructions of "
      "every thread and process of the server during the load, minus the idle baseline for the "
      "same time, divided by the answers received. Instruction counts do not depend on how busy "
      "the machine is, but the batch size (datagrams per `recvmmsg` call) does, and with it the "
      "per-call overhead; the *burst* rows keep 200 queries in flight, so batches are as full as "
      "they get, which is the case that decides capacity. Syscalls and the kernel's UDP path are "
      "not counted. For zonec, *in rt_query_process* includes `rt_query_process_batch`, which "
      "answers the batches of more than one datagram, and datagrams per `recvmmsg` are answers "
      "per call of `udp_batch` (one raw `recvmmsg` + `sendmmsg`). SPEC §6 target: ≤ 1,000 per "
      "answered query."
      % (nq, rate, pnq, prate))
print()
print("| zone | server | load | answered / sent | Ir/query | in `rt_query_process` (+ `_batch`) | datagrams per `recvmmsg` | idle Ir/s | top functions by inclusive Ir per query |")
print("|---|---|---|---|---|---|---|---|---|")
zon = {}
for r in rows:
    s, size, load, ans, sent, perq, rq, batch, idle, top = (r + [""] * 10)[:10]
    if s == "zonec" and load == "open":
        zon[size] = float(perq)
for r in rows:
    s, size, load, ans, sent, perq, rq, batch, idle, top = (r + [""] * 10)[:10]
    ratio = ""
    if s != "zonec" and size in zon and zon[size] > 0:
        ratio = " (%.1f× zonec)" % (float(perq) / zon[size])
    top_md = "; ".join("`%s` %s" % tuple(t.rsplit(" ", 1)) for t in top.split("; ") if t) or "(stripped binary)"
    print("| %s | %s | %s | %s / %s | %s%s | %s | %s | %s | %s |" % (
        size_label(size), names.get(s, s), "%s/s" % (rate if s == "zonec" else prate) if load == "open" else "burst",
        ans, sent, "{:,}".format(int(perq)), ratio, rq, batch,
        "{:,}".format(int(float(idle))) if idle != "-" else "(idle run subtracted)", top_md))
print()
print("Knot and NSD come from stripped Debian binaries, so only their shared-library "
      "functions have names.")
EOF
if [ "$DOC" = - ]; then
    cat "$section"
    exit 0
fi
begin='<!-- bench/callgrind.sh writes the section between this line and the next marker -->'
end='<!-- end of the bench/callgrind.sh section -->'
runmark='<!-- bench/run.sh writes everything below this line -->'
[ -f "$DOC" ] || printf '# Benchmarks\n\n%s\n' "$runmark" > "$DOC"
python3 - "$DOC" "$section" "$begin" "$end" "$runmark" <<'EOF'
import sys
doc, section, begin, end, runmark = sys.argv[1:]
text = open(doc).read().split("\n")
sec = open(section).read().rstrip("\n").split("\n")
block = [begin, ""] + sec + ["", end]
if begin in text and end in text:
    i, j = text.index(begin), text.index(end)
    text[i:j + 1] = block
elif runmark in text:
    i = text.index(runmark)
    text[i:i] = block + [""]
else:
    text += [""] + block
open(doc + ".tmp", "w").write("\n".join(text))
EOF
mv "$DOC.tmp" "$DOC"
say "wrote $DOC"
cat "$section"
