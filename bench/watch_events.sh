#!/usr/bin/env bash
# bench/watch_events.sh: bench/watch_events.lua against `kubescript serve` in its own process,
# so that the CPU time measured is the script's and its client's alone.
#   swift build -c release --static-swift-stdlib --product kubescript && bench/watch_events.sh [count] [rounds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/kubescript"
dir="$(mktemp -d)"
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" serve --port 0 --no-controllers --write-kubeconfig "$dir/config" > "$dir/out" &
server=$!
for _ in $(seq 50); do [ -s "$dir/config" ] && break; sleep 0.1; done
"$bin" run --kubeconfig "$dir/config" "$root/bench/watch_events.lua" "${1:-8000}" "${2:-5}"
