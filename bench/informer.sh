#!/usr/bin/env bash
# bench/informer.sh: runs bench/informer.lua against `kubescript serve` in its own process.
#   swift build -c release --static-swift-stdlib -Xlinker -no-pie && bench/informer.sh [count [kubescript options...]]
# e.g. `bench/informer.sh 10000 --metrics-addr 127.0.0.1:0` for the cost of recording metrics.
set -euo pipefail
source "$(dirname "$0")/serve.sh"
count="${1:-10000}"
shift || true
"$bin" run --kubeconfig "$config" "$@" "$root/bench/informer.lua" "$count"
