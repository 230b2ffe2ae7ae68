#!/usr/bin/env bash
# bench/client_crud.sh: runs bench/client_crud.lua against `kubescript serve` in its own process,
# so that the CPU time measured is the script's and its client's alone.
#   swift build -c release --product kubescript && bench/client_crud.sh [count]
set -euo pipefail
source "$(dirname "$0")/serve.sh"
"$bin" run --kubeconfig "$config" "$root/bench/client_crud.lua" "${1:-1000}"
