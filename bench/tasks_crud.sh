#!/usr/bin/env bash
# bench/tasks_crud.sh: runs bench/tasks_crud.lua against `kubescript serve` in its own process.
#   swift build -c release --static-swift-stdlib -Xlinker -no-pie && bench/tasks_crud.sh [count]
set -euo pipefail
source "$(dirname "$0")/serve.sh"
"$bin" run --kubeconfig "$config" "$root/bench/tasks_crud.lua" "${1:-200}"
