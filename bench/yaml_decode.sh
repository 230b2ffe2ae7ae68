#!/usr/bin/env bash
# bench/yaml_decode.sh: decoding YAML against JSON of the same data — time (best of 5, in one
# process) and peak memory (each reader in a process of its own, /usr/bin/time's maximum RSS,
# beside a process that only reads the file). Inputs: a generated list of 10^6 integers
# (8.9 MB), and any YAML files given, e.g. an operator's CRD bundle.
#   swift build -c release --product kubescript && bench/yaml_decode.sh [bundle.yaml ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/kubescript"
script="$root/bench/yaml_decode.lua"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 -c 'import sys; sys.stdout.write("".join("- %d\n" % (100000 + i * 7 % 900000) for i in range(10**6)))' > "$dir/list.yaml"
for input in "$dir/list.yaml" "$@"; do
  "$bin" run "$script" "$input"
  name="$dir/$(basename "$input" .yaml)"
  "$bin" run "$script" "$input" tojson "$name.json"
  cp "$input" "$name-libyaml.yaml" && printf '\n#\tlibyaml\n' >> "$name-libyaml.yaml"
  for reader in json yaml libyaml; do
    case $reader in json) file="$name.json" ;; yaml) file="$input" ;; libyaml) file="$name-libyaml.yaml" ;; esac
    read_only=$( { /usr/bin/time -f %M "$bin" -e "io.open('$file', 'rb'):read('a')" >/dev/null; } 2>&1 )
    decoded=$( { /usr/bin/time -f %M "$bin" run "$script" "$file" once >/dev/null; } 2>&1 )
    echo "  $reader: peak RSS $decoded KB, $((decoded - read_only)) KB more than reading the file"
  done
done
