#!/usr/bin/env python3
# cgstat.py -- totals, inclusive and self costs and call counts from callgrind output files
# SPDX-License-Identifier: MIT
#
# usage: cgstat.py [--fn NAME]... [--calls NAME]... [--top N] [--top-self N] [--base FILE]... FILE...
#
# Reads callgrind output files (one event, Ir; several files are summed: the processes of one
# server, or several dump parts) and prints "key=value" lines:
#   total=IR                        sum of the files' totals
#   incl.NAME=IR                    inclusive cost of function NAME (for every --fn)
#   calls.NAME=N                    how often NAME was called (for every --calls)
#   top.K=NAME<TAB>IR               the N functions with the largest inclusive cost, skipping
#                                   thread/process entry points and unnamed addresses
#   self.K=NAME<TAB>IR              the N functions with the largest self cost
# With --base, the costs and calls of the base files are subtracted first (a loaded run minus
# an idle run of the same process, for servers that cannot be zeroed while running).
# Inclusive cost = self cost + the cost of every call the function makes (callgrind's
# "calls=" lines). Recursion shows up as NAME'2 (callgrind --separate-recs), which keeps this
# sum free of double counting; a NAME is a plain function name (no file or object).
import re
import sys
from collections import defaultdict

ENTRY = {"(below main)", "clone", "clone3", "start_thread", "__libc_start_main",
         "__libc_start_call_main", "main", "_start"}
NAME_RE = re.compile(r"^\((\d+)\)(?: (.*))?$")


def parse(path, self_cost, calls, call_cost):
    names = {}
    fn = None
    cfn = None
    after_calls = False
    total = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[-1]) if len(parts) >= 2 else 0
                if after_calls:
                    call_cost[fn][cfn] += cost
                    after_calls = False
                elif fn is not None:
                    self_cost[fn] += cost
                continue
            key, _, val = line.partition("=")
            if key in ("fn", "cfn"):
                m = NAME_RE.match(val)
                if m:
                    if m.group(2) is not None:
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1), "?" + m.group(1))
                else:
                    name = val
                if key == "fn":
                    fn = name
                    self_cost.setdefault(fn, 0)
                else:
                    cfn = name
            elif key == "calls":
                calls[cfn] += int(val.split()[0])
                after_calls = True
            elif key in ("totals", "summary") and total is None:
                total = int(val.split()[0])
            elif line.startswith("totals:") or line.startswith("summary:"):
                if total is None:
                    total = int(line.split(":", 1)[1].split()[0])
    return total or 0


def main():
    argv = sys.argv[1:]
    want_fn, want_calls, files, base = [], [], [], []
    top, top_self = 0, 0
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--fn", "--calls", "--top", "--top-self", "--base") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--base":
                base.append(v)
            elif a == "--fn":
                want_fn.append(v)
            elif a == "--calls":
                want_calls.append(v)
            elif a == "--top":
                top = int(v)
            else:
                top_self = int(v)
            i += 2
            continue
        files.append(a)
        i += 1
    if not files:
        sys.exit("usage: cgstat.py [--fn NAME]... [--calls NAME]... [--top N] [--top-self N] "
                 "[--base FILE]... FILE...")
    self_cost = defaultdict(int)
    calls = defaultdict(int)
    call_cost = defaultdict(lambda: defaultdict(int))
    total = 0
    for p in files:
        total += parse(p, self_cost, calls, call_cost)
    if base:
        b_self, b_calls = defaultdict(int), defaultdict(int)
        b_cc = defaultdict(lambda: defaultdict(int))
        for p in base:
            total -= parse(p, b_self, b_calls, b_cc)
        for f, v in b_self.items():
            self_cost[f] -= v
        for f, v in b_calls.items():
            calls[f] -= v
        for f, d in b_cc.items():
            for g, v in d.items():
                call_cost[f][g] -= v
    incl = {}
    for f in set(self_cost) | set(call_cost):
        incl[f] = self_cost.get(f, 0) + sum(v for k, v in call_cost[f].items() if k != f)
    print("total=%d" % total)
    for f in want_fn:
        print("incl.%s=%d" % (f, incl.get(f, 0)))
    for f in want_calls:
        print("calls.%s=%d" % (f, calls.get(f, 0)))
    if top:
        ranked = sorted((f for f in incl if f.split("@")[0] not in ENTRY and not f.startswith("0x")
                         and not f.startswith("?") and incl[f] > 0),
                        key=lambda f: -incl[f])
        for k, f in enumerate(ranked[:top], 1):
            print("top.%d=%s\t%d" % (k, f, incl[f]))
    if top_self:
        ranked = sorted((f for f in self_cost if self_cost[f] > 0), key=lambda f: -self_cost[f])
        for k, f in enumerate(ranked[:top_self], 1):
            print("self.%d=%s\t%d" % (k, f, self_cost[f]))


if __name__ == "__main__":
    main()
