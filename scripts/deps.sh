#!/usr/bin/env bash
# deps.sh -- install the Debian packages zonec needs, only those missing
# SPDX-License-Identifier: MIT
# usage: deps.sh run|test|bench   (run: build + serve; test: + test tools; bench: + peers)
set -euo pipefail
build=(gcc make flex bison libyaml-dev libcmph-dev libcmocka-dev libc6-dev file libmaxminddb-dev iso-codes libssl-dev)
test=(knot knot-dnsutils dnsutils python3 python3-dnspython python3-prometheus-client clang libclang-rt-14-dev llvm iproute2 procps openssl)
bench=(knot nsd dnsperf linux-perf valgrind time util-linux)
case "${1:-run}" in
    run)   want=("${build[@]}") ;;
    test)  want=("${build[@]}" "${test[@]}") ;;
    bench) want=("${build[@]}" "${test[@]}" "${bench[@]}") ;;
    *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to apt-get install: ${missing[*]}" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's knot and nsd packages start their daemons on install; policy-rc.d keeps them off.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
apt-get install -y -qq --no-install-recommends "${missing[@]}"
rm -f /usr/sbin/policy-rc.d
