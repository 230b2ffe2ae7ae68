#!/usr/bin/env bash
# bench/client_go.sh: kubescript against client-go on the real control plane of
# ../shared/real-cluster (kube-apiserver v1.24), the workload of bench/tasks_crud.lua with 1, 4
# and 16 workers, in interleaved rounds (5 by default); prints every run, then the medians, and
# the median of each round's wall-time ratio (the machine's speed drifts between rounds).
#   swift build -c release --static-swift-stdlib -Xlinker -no-pie --product kubescript
#   ../shared/real-cluster/start.sh && bench/client_go.sh [rounds]
# The client-go peer (bench/client-go/main.go) is built with Debian's Go (golang-go) inside the
# cluster's source tree ($KCLUSTER/src, made by build.sh), whose vendor directory holds client-go
# v1.24; nothing is downloaded.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kcluster="${KCLUSTER:-$HOME/kcluster}"
config="$kcluster/kubeconfig"
peer="$root/.build/client-go-bench"
if [ ! -x "$peer" ] || [ "$root/bench/client-go/main.go" -nt "$peer" ]; then
  command -v go > /dev/null || { echo "client_go.sh: needs Go (apt-get install golang-go)" >&2; exit 1; }
  mkdir -p "$kcluster/src/cmd/kubescript-bench"
  cp "$root/bench/client-go/main.go" "$kcluster/src/cmd/kubescript-bench/"
  (cd "$kcluster/src" && go build -mod=vendor -o "$peer" ./cmd/kubescript-bench)
fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for round in $(seq "${1:-5}"); do
  echo "round $round"
  "$peer" "$config" real-admin | sed 's/^/  client-go   /' | tee -a "$out"
  "$root/.build/release/kubescript" run --kubeconfig "$config" --context real-admin "$root/bench/tasks_crud.lua" 200 default \
    | sed 's/^/  kubescript  /' | tee -a "$out"
done
echo "medians (and of each round's kubescript / client-go ratio)"
awk '{ key = $1 " " $3; wall[key] = wall[key] " " $4; cpu[key] = cpu[key] " " $7
       if ($1 == "client-go") go[$3] = $4; else ratio[$3] = ratio[$3] " " $4 / go[$3] }
  function median(list,   n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return v[int((n + 1) / 2)]
  }
  END { for (key in wall) { client = substr(key, 1, index(key, " ") - 1); workers = substr(key, index(key, " ") + 1)
          printf "  %-14s workers %2s   %6.3f s wall   %6.1f µs CPU per request", client, workers, median(wall[key]), median(cpu[key])
          if (client == "kubescript") printf "   wall %.2f × client-go'"'"'s", median(ratio[workers])
          printf "\n" } }' "$out" | sort -k1,1 -k3n
