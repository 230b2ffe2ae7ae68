#!/usr/bin/env bash
# bench/watch_events.sh: bench/watch_events.lua against `kubescript serve` in its own process,
# so that the CPU time measured is the script's and its client's alone.
#   swift build -c release --static-swift-stdlib --product kubescript && bench/watch_events.sh [count] [rounds]
set -euo pipefail
source "$(dirname "$0")/serve.sh"
"$bin" run --kubeconfig "$config" "$root/bench/watch_events.lua" "${1:-8000}" "${2:-5}"
