-- bench/watch_events.lua: watch events into Lua tables — events per second and CPU per event.
--   kubescript run --in-memory bench/watch_events.lua [count] [rounds]
-- Makes `count` ConfigMaps (default 8,000: the embedded server keeps 10,000 events) with a few labels and data keys each, then, `rounds`
-- times (default 5), watches them from the start (the server replays its history) and reads
-- every event's name. A figure is the best round: CPU time of this process (os.clock), which
-- includes the embedded server's share in --in-memory, so run it against `kubescript serve` in
-- another process (bench/watch_events.sh) for the client's figure alone.
local count, rounds = math.tointeger(tonumber(arg[1] or 8000)), math.tointeger(tonumber(arg[2] or 5))
local c = k8s.client()
local cms = c:CoreV1():ConfigMaps("default")
local start = cms:List({ limit = 1 }).metadata.resourceVersion
for i = 1, count do
  cms:Create { metadata = { name = "cm-" .. i, labels = { app = "bench", index = tostring(i) } },
               data = { a = ("x"):rep(40), b = tostring(i), c = "config" } }
end
local best = math.huge
for _ = 1, rounds do
  collectgarbage()
  local seen, started = 0, os.clock()
  for event in cms:Watch { resourceVersion = start, timeoutSeconds = 60 } do
    if event.object.metadata.name then seen = seen + 1 end
    if seen == count then break end
  end
  best = math.min(best, os.clock() - started)
  assert(seen == count, "events seen: " .. seen)
end
print(("%d events: best of %d rounds %.3f s CPU, %.0f events/s, %.1f µs CPU per event"):format(
  count, rounds, best, count / best, best / count * 1e6))
