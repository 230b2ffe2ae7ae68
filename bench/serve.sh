# bench/serve.sh, sourced by the benchmarks that run a script against `kubescript serve` in a
# process of its own (so that the CPU time they measure is the script's and its client's alone):
# starts the release build's server with no controllers and sets `bin`, `root` and `config`.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.build/release/kubescript"
dir="$(mktemp -d)"
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" serve --port 0 --no-controllers --write-kubeconfig "$dir/config" > "$dir/out" &
server=$!
for _ in $(seq 50); do [ -s "$dir/config" ] && break; sleep 0.1; done
config="$dir/config"
