#!/usr/bin/env bash
# fuzz.sh -- build and run the libFuzzer targets of fuzz/ (clang, ASan + UBSan)
# SPDX-License-Identifier: MIT
#
#   scripts/fuzz.sh build              build build/fuzz/fuzz_{packet,zpl,zone}
#   scripts/fuzz.sh smoke              each target ~15 s over fuzz/corpus/<t> (make test)
#   scripts/fuzz.sh long [SECONDS]     each target SECONDS (default 600), one after the
#                                      other, or until FUZZ_RUNS executions if set
#                                      first; prints the executions and seconds of
#                                      each (make fuzz)
#   scripts/fuzz.sh run TARGET [ARGS]  the target binary with ARGS (e.g. a crash file
#                                      to reproduce it; ZONEC_FUZZ_VERBOSE=1 shows
#                                      the compiler's diagnostics)
#
# Environment: FUZZ_BUILD (default build/fuzz), FUZZ_TARGETS (default
# "packet zpl zone"), FUZZ_SMOKE_SECONDS (default 15), FUZZ_RUNS (long: stop
# a target after this many executions), FUZZ_MAX_LEN (longest input; default
# 4097 bytes for packet, 8192 for zone and zpl: shorter inputs run faster),
# CLANG (default clang).
# One fuzzing process at a time (the machine's cores are shared).
#
# New inputs found by a run go to $FUZZ_BUILD/work/<t>, never into the
# committed corpus; crashes go to $FUZZ_BUILD/artifacts/. Exit status: 0 when
# every target ran clean, 1 on any crash, leak, UB report or timeout, 2 when
# the build fails.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
B=${FUZZ_BUILD:-build/fuzz}
TARGETS=${FUZZ_TARGETS:-packet zpl zone}
CLANG=${CLANG:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=gnu11 -O1 -g -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter $SAN"
CPPFLAGS="-Icompiler -Iruntime -I$B/gen -Ifuzz"
LIBS="-lcmph -lyaml -lm"
# open/fopen go through fuzz_common.h while an input is processed: no input
# can make the compiler read a host file (or /dev/zero).
WRAP="-Wl,--wrap=open,--wrap=fopen"
COV_FLAGS=(-fsanitize=fuzzer-no-link)
NOCMP_FLAGS=(-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp)
# The scanners with full tables (-Cf): the same automaton as the
# compressed tables the Makefile builds (flex's table options change
# neither the tokens nor the actions), with one table lookup per input byte
# instead of a chain of them: about half the scanner's time under ASan.
FLEX_FLAGS=-Cf
# compiler modules that parse input text (see build())
TEXT_MODULES="zonefile rrtype zpl policy pir prefix"

die() { echo "fuzz.sh: $*" >&2; exit 2; }

need_tools() {
    command -v "$CLANG" >/dev/null || die "$CLANG not found (apt-get install clang)"
    command -v bison >/dev/null || die "bison not found"
    command -v flex >/dev/null || die "flex not found"
}

# newer OUT INPUT...: true when OUT is missing or older than any INPUT
newer() {
    local out=$1; shift
    [ -e "$out" ] || return 0
    local f
    for f in "$@"; do
        [ "$f" -nt "$out" ] && return 0
    done
    return 1
}

compile() { # compile OBJ SRC [extra flags]: errors go to OBJ.err
    local obj=$1 src=$2; shift 2
    mkdir -p "$(dirname "$obj")"
    rm -f "$obj"
    echo "  CC $src"
    # shellcheck disable=SC2086
    "$CLANG" $CPPFLAGS $CFLAGS "$@" -c -o "$obj" "$src" 2>"$obj.err" || { cat "$obj.err" >&2; return 1; }
    cat "$obj.err" >&2
}

# Objects of the compiler and the runtime are compiled two at a time (the
# machine is shared). One that does not compile (another engineer's file in
# the middle of a change) is left out with a warning: the link then tells
# whether a target needs it.
PENDING=()   # "pid obj" pairs
reap() { # reap N: wait until at most N compiles are running
    while [ "${#PENDING[@]}" -gt "$1" ]; do
        local pid=${PENDING[0]%% *} obj=${PENDING[0]#* }
        PENDING=("${PENDING[@]:1}")
        wait "$pid" || echo "fuzz.sh: warning: leaving out $obj (its source does not compile)" >&2
    done
}
add_obj() { # add_obj OBJ SRC DEPS... -- [flags]
    local obj=$1 src=$2; shift 2
    local deps=() flags=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do deps+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    flags=("$@")
    if newer "$obj" "$src" "${deps[@]}"; then
        compile "$obj" "$src" "${flags[@]}" &
        PENDING+=("$! $obj")
        reap 1
    fi
}

build() {
    need_tools
    # Everything built with other flags (an older fuzz.sh) is rebuilt.
    local stamp="$CLANG $CPPFLAGS $CFLAGS | ${COV_FLAGS[*]} | ${NOCMP_FLAGS[*]} | $TEXT_MODULES | flex $FLEX_FLAGS"
    if [ "$(cat "$B/flags" 2>/dev/null)" != "$stamp" ]; then
        rm -rf "$B/obj" "$B/gen" "$B"/libfuzz*.a
        mkdir -p "$B"
        printf '%s\n' "$stamp" >"$B/flags"
    fi
    mkdir -p "$B/gen" "$B/obj"
    local y l name
    for y in grammar/*.y; do
        name=$(basename "$y" .y)
        if newer "$B/gen/$name.tab.c" "$y"; then
            bison -Wall --defines="$B/gen/$name.tab.h" -o "$B/gen/$name.tab.c" "$y"
        fi
    done
    for l in grammar/*.l; do
        name=$(basename "$l" .l)
        if newer "$B/gen/$name.lex.c" "$l"; then
            # shellcheck disable=SC2086
            flex $FLEX_FLAGS --header-file="$B/gen/$name.lex.h" -o "$B/gen/$name.lex.c" "$l"
        fi
    done
    local headers=(compiler/*.h runtime/*.h fuzz/*.h "$B"/gen/*.h)
    local src obj m
    # Comparison tracing (-fsanitize-coverage=trace-cmp, part of
    # -fsanitize=fuzzer) feeds the mutator the constants input bytes are
    # compared with. It pays where input is parsed: the modules that parse
    # text ($TEXT_MODULES) for fuzz_zpl and fuzz_zone, the runtime for
    # fuzz_packet. Elsewhere it only traced comparisons of internal values
    # (states of the generated scanners' and parsers' tables, offsets,
    # counts: nothing an input can be mutated towards) and cost about a
    # third of the zone and ZPL targets' time; those objects keep edge
    # coverage without it. The runtime is built both ways.
    # Everything but the two main()s: libFuzzer brings its own.
    for src in compiler/*.c; do
        case "$src" in compiler/main.c) continue ;; esac
        m=$(basename "$src" .c)
        obj="$B/obj/${src%.c}.o"
        if [[ " $TEXT_MODULES " == *" $m "* ]]; then
            add_obj "$obj" "$src" "${headers[@]}" -- "${COV_FLAGS[@]}"
        else
            add_obj "$obj" "$src" "${headers[@]}" -- "${NOCMP_FLAGS[@]}"
        fi
    done
    for src in runtime/*.c; do
        case "$src" in runtime/main.c) continue ;; esac
        add_obj "$B/obj/${src%.c}.o" "$src" "${headers[@]}" -- "${COV_FLAGS[@]}"
        add_obj "$B/obj/runtime-nocmp/$(basename "${src%.c}").o" "$src" "${headers[@]}" -- "${NOCMP_FLAGS[@]}"
    done
    for src in "$B"/gen/*.c; do
        obj="$B/obj/gen/$(basename "${src%.c}").o"
        add_obj "$obj" "$src" "${headers[@]}" -- "${NOCMP_FLAGS[@]}" -Wno-sign-compare \
            -Wno-unused-function -Wno-unused-but-set-variable
    done
    for src in compiler/*.s; do
        [ -e "$src" ] || continue
        obj="$B/obj/${src%.s}.o"
        if newer "$obj" "$src" templates/*; then
            mkdir -p "$(dirname "$obj")"
            "$CLANG" -c -o "$obj" "$src" || rm -f "$obj"
        fi
    done
    reap 0
    local common=() rt=() rtnocmp=()
    for src in compiler/*.c "$B"/gen/*.c compiler/*.s; do
        case "$src" in compiler/main.c) continue ;; esac
        case "$src" in
            "$B"/gen/*) obj="$B/obj/gen/$(basename "${src%.c}").o" ;;
            *) obj="$B/obj/${src%.*}.o" ;;
        esac
        [ -e "$obj" ] && common+=("$obj")
    done
    for src in runtime/*.c; do
        case "$src" in runtime/main.c) continue ;; esac
        obj="$B/obj/${src%.c}.o"
        [ -e "$obj" ] && rt+=("$obj")
        obj="$B/obj/runtime-nocmp/$(basename "${src%.c}").o"
        [ -e "$obj" ] && rtnocmp+=("$obj")
    done
    # Archives, so a target pulls in only the modules it needs (a module
    # in the middle of a change elsewhere does not break the link):
    # libfuzzdeps.a for fuzz_packet, libfuzzdeps-text.a for the others.
    if newer "$B/libfuzzdeps.a" "${common[@]}" "${rt[@]}"; then
        rm -f "$B/libfuzzdeps.a"
        ar rcs "$B/libfuzzdeps.a" "${common[@]}" "${rt[@]}"
    fi
    if newer "$B/libfuzzdeps-text.a" "${common[@]}" "${rtnocmp[@]}"; then
        rm -f "$B/libfuzzdeps-text.a"
        ar rcs "$B/libfuzzdeps-text.a" "${common[@]}" "${rtnocmp[@]}"
    fi
    local t
    for t in $TARGETS; do
        obj="$B/obj/fuzz/fuzz_$t.o"
        if newer "$obj" "fuzz/fuzz_$t.c" "${headers[@]}"; then
            local flags=("${NOCMP_FLAGS[@]}")
            [ "$t" = packet ] && flags=("${COV_FLAGS[@]}")
            compile "$obj" "fuzz/fuzz_$t.c" "${flags[@]}" || die "fuzz/fuzz_$t.c does not compile"
        fi
        local lib="$B/libfuzzdeps-text.a"
        [ "$t" = packet ] && lib="$B/libfuzzdeps.a"
        if newer "$B/fuzz_$t" "$obj" "$lib"; then
            echo "  LD $B/fuzz_$t"
            # shellcheck disable=SC2086
            "$CLANG" $SAN -fsanitize=fuzzer -o "$B/fuzz_$t" "$obj" "$lib" $WRAP $LIBS \
                || die "cannot link $B/fuzz_$t"
        fi
    done
}

# Options per target: input size limit and dictionary.
target_opts() {
    local t=$1
    case $t in
        packet) echo "-max_len=${FUZZ_MAX_LEN:-4097}" ;;
        *) echo "-max_len=${FUZZ_MAX_LEN:-8192}" ;;
    esac
    [ -f "fuzz/dict/$t.dict" ] && echo "-dict=fuzz/dict/$t.dict"
    return 0
}

# run_target T SECONDS [RUNS]: fuzzes T for SECONDS (or RUNS executions,
# whichever comes first); prints a summary line.
run_target() {
    local t=$1 secs=$2 maxruns=${3:--1}
    local work="$B/work/$t" art="$B/artifacts" log="$B/logs/$t.log"
    mkdir -p "$work" "$art" "$B/logs" "fuzz/corpus/$t"
    local opts
    opts=$(target_opts "$t")
    local rc=0 t0
    t0=$(date +%s)
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$B/fuzz_$t" $opts -max_total_time="$secs" -runs="$maxruns" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$art/$t-" -print_final_stats=1 \
        "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
    local runs execs elapsed=$(($(date +%s) - t0))
    runs=$(grep -aho 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | awk '{print $2 + 0}')
    execs=$(grep -aho 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | awk '{print $2}')
    if [ "$rc" -ne 0 ] || grep -aq -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz invariant broken' "$log"; then
        echo "FAIL fuzz_$t: exit $rc after $runs executions in ${elapsed}s; log: $log"
        grep -aE 'ERROR:|runtime error:|fuzz invariant|Test unit written' "$log" | head -5 | sed 's/^/    /'
        return 1
    fi
    echo "ok   fuzz_$t: $runs executions in ${elapsed}s (${execs:-?}/s), corpus $(ls "$work" "fuzz/corpus/$t" | wc -l) files"
}

cmd=${1:-smoke}
case $cmd in
    build)
        build
        ;;
    smoke)
        build
        fail=0
        for t in $TARGETS; do
            run_target "$t" "${FUZZ_SMOKE_SECONDS:-15}" || fail=1
        done
        exit $fail
        ;;
    long)
        secs=${2:-600}
        build
        fail=0
        for t in $TARGETS; do
            run_target "$t" "$secs" "${FUZZ_RUNS:--1}" || fail=1
        done
        exit $fail
        ;;
    run)
        t=${2:?usage: fuzz.sh run TARGET [ARGS]}
        shift 2
        build >/dev/null
        # shellcheck disable=SC2046
        exec "$B/fuzz_$t" $(target_opts "$t") "$@"
        ;;
    *)
        sed -n '2,20p' "$0" >&2
        exit 2
        ;;
esac
