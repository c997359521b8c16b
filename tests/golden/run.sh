#!/usr/bin/env bash
# run.sh -- golden diagnostics test: every agreed diagnostic of notes/common.md, exactly
# SPDX-License-Identifier: MIT
#
# For each tests/golden/diag/NN_name.zone or .zpl (or NN_name.args alone):
#   - runs `zonec check [ARGS] FILE` from the repository root (paths stay relative),
#   - compares the diagnostic lines ("file:line:col: error|warning|note: ...", without the
#     source excerpt and caret lines) with NN_name.expected, exactly and completely,
#   - checks the exit status (NN_name.exit, default 1),
#   - when the expected status is 1, runs `zonec build` too and checks it fails the same
#     way and writes nothing (the output directory stays empty).
# NN_name.args holds extra arguments (e.g. "--origin example.net."); when there is no .zone
# file, the .args line is the whole argument list (missing-input test).
# env: BUILD (default build), ZONEC. Exit 0 when every case passes.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
ZONEC=${ZONEC:-$ROOT/$BUILD/zonec}
cd "$ROOT" || exit 2
[ -x "$ZONEC" ] || { echo "golden: $ZONEC not built"; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zonec-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

diag_lines() { grep -E '^[^ |].*: (error|warning|note): ' "$1" || true; }

pass=0 fail=0
for exp in tests/golden/diag/*.expected; do
    base=${exp%.expected}
    name=$(basename "$base")
    args=()
    [ -f "$base.args" ] && read -r -a args <"$base.args"
    [ -f "$base.zone" ] && args+=("$base.zone")
    [ -f "$base.zpl" ] && args+=("$base.zpl")
    want_rc=1
    [ -f "$base.exit" ] && want_rc=$(cat "$base.exit")
    ok=1 why=
    timeout 20 "$ZONEC" check "${args[@]}" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    diag_lines "$tmp/err" >"$tmp/got"
    if [ "$rc" != "$want_rc" ]; then ok=0; why="exit $rc, want $want_rc"; fi
    if ! cmp -s "$tmp/got" "$exp"; then ok=0; why="${why:+$why; }diagnostics differ"; fi
    if [ "$want_rc" = 1 ] && [ $ok = 1 ]; then
        mkdir -p "$tmp/o"
        timeout 60 "$ZONEC" build "${args[@]}" -o "$tmp/o/out" >"$tmp/bout" 2>"$tmp/berr"
        brc=$?
        if [ "$brc" != 1 ]; then ok=0; why="build exit $brc, want 1"; fi
        if [ -n "$(ls -A "$tmp/o")" ]; then ok=0; why="${why:+$why; }build wrote $(ls -A "$tmp/o" | tr '\n' ' ')"; fi
        diag_lines "$tmp/berr" >"$tmp/bgot"
        if ! cmp -s "$tmp/bgot" "$exp"; then ok=0; why="${why:+$why; }build diagnostics differ"; fi
        rm -rf "$tmp/o"
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL golden $name: $why"
        echo "  command: zonec check ${args[*]}"
        diff -u "$exp" "$tmp/got" | sed -n '3,12p' | sed 's/^/  /'
        [ -s "$tmp/got" ] || sed -n '1,6p' "$tmp/err" | sed 's/^/  stderr: /'
    fi
done
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
