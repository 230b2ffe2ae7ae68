#!/usr/bin/env bash
# bench/informer.sh: runs bench/informer.lua against `kubescript serve` in its own process.
#   swift build -c release --static-swift-stdlib -Xlinker -no-pie && bench/informer.sh [count]
set -euo pipefail
source "$(dirname "$0")/serve.sh"
"$bin" run --kubeconfig "$config" "$root/bench/informer.lua" "${1:-10000}"
