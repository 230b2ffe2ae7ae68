-- bench/yaml_decode.lua: k8s.yaml.decodeAll against k8s.json.decode of the same data.
--   kubescript run bench/yaml_decode.lua FILE.yaml [rounds]    best of `rounds` (5) runs each
--   kubescript run bench/yaml_decode.lua FILE.yaml tojson OUT  writes the data as JSON to OUT
--   kubescript run bench/yaml_decode.lua FILE once             decodes FILE (.json or YAML) once
-- A time is CPU time (os.clock) with the garbage collector stopped during the run; the JSON is
-- the YAML's data as k8s.json.encode writes it; "libyaml" is the same YAML with a comment that
-- holds a tab appended, which the block reader leaves to libyaml. "once" is for a peak-memory
-- figure: bench/yaml_decode.sh runs it in a process of its own under /usr/bin/time.
local path = arg[1]
if not path then error("usage: kubescript run bench/yaml_decode.lua FILE [rounds | tojson OUT | once]", 0) end
local file = assert(io.open(path, "rb"))
local text = file:read("a")
file:close()
local decode = path:match("%.json$") and k8s.json.decode or k8s.yaml.decodeAll

if arg[2] == "once" then
  collectgarbage("stop")
  decode(text)
  return
end
if arg[2] == "tojson" then
  local out = assert(io.open(arg[3], "wb"))
  out:write(k8s.json.encode(k8s.yaml.decodeAll(text)))
  out:close()
  return
end

local rounds = tonumber(arg[2]) or 5
local function best(fn, input)
  local fastest = math.huge
  for _ = 1, rounds do
    collectgarbage()
    collectgarbage("stop")
    local started = os.clock()
    fn(input)
    fastest = math.min(fastest, os.clock() - started)
    collectgarbage("restart")
  end
  return fastest
end

local json = k8s.json.encode(k8s.yaml.decodeAll(text))
local times = {
  { "json", best(k8s.json.decode, json) },
  { "yaml", best(k8s.yaml.decodeAll, text) },
  { "libyaml", best(k8s.yaml.decodeAll, text .. "\n#\tlibyaml\n") },
}
print(("%s: %.1f MB of YAML, %.1f MB of JSON"):format(path, #text / 1e6, #json / 1e6))
for _, entry in ipairs(times) do
  local name, seconds = entry[1], entry[2]
  print(("  %-8s %7.3f s  %6.1f MB/s of YAML  %5.2f× JSON's time"):format(name, seconds, #text / 1e6 / seconds, seconds / times[1][2]))
end
