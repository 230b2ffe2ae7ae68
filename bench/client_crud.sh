#!/usr/bin/env bash
# bench/client_crud.sh: runs bench/client_crud.lua against `kubescript serve` in its own process,
# so that the CPU time measured is the script's and its client's alone.
#   swift build -c release --product kubescript && bench/client_crud.sh [count]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/kubescript"
dir="$(mktemp -d)"
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" serve --port 0 --no-controllers --write-kubeconfig "$dir/config" > "$dir/out" &
server=$!
for _ in $(seq 50); do [ -s "$dir/config" ] && break; sleep 0.1; done
"$bin" run --kubeconfig "$dir/config" "$root/bench/client_crud.lua" "${1:-1000}"
