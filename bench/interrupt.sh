#!/usr/bin/env bash
# bench/interrupt.sh: how long `kubescript run` takes to end after Ctrl-C (SIGINT) while it
# waits: on a GET the server holds, in a 429's Retry-After pause, in a watch, in k8s.sleep.
# A Python server on loopback holds each request 30 s or answers 429 with Retry-After: 30;
# SIGINT comes 0.5 s after the script starts. Five runs each; milliseconds from SIGINT to exit.
#   swift build -c release --product kubescript && bench/interrupt.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/kubescript"
dir="$(mktemp -d)"
python3 - "$dir/port" <<'PY' &
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if "busy" in self.path:
            self.send_response(429); self.send_header("Retry-After", "30"); self.send_header("Content-Length", "0"); self.end_headers()
        else:
            time.sleep(30)
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$dir/port")"
declare -A scripts=(
  [request]="k8s.client { server = '$url' }:CoreV1():ConfigMaps('default'):Get('held')"
  [retry]="k8s.client { server = '$url' }:CoreV1():ConfigMaps('default'):Get('busy')"
  [watch]="for _ in k8s.client { server = '$url' }:CoreV1():ConfigMaps('default'):Watch {} do end"
  [sleep]="k8s.sleep(30)"
)
for wait in request retry watch sleep; do
  printf '%-8s' "$wait"
  for _ in 1 2 3 4 5; do
    "$bin" -e "${scripts[$wait]}" 2>"$dir/err" &
    pid=$!
    sleep 0.5
    start=$(date +%s%N)
    kill -INT $pid
    wait $pid || true
    end=$(date +%s%N)
    grep -q "interrupted!" "$dir/err" || { echo " (no 'interrupted!': $(head -1 "$dir/err"))"; continue 2; }
    printf ' %5.1f ms' "$(echo "($end - $start) / 1000000" | bc -l)"
  done
  echo
done
