-- bench/tasks_crud.lua: 200 ConfigMaps created, read, updated, listed once and deleted (801
-- requests) with k8s.map and 1, 4 and 16 workers; prints the wall time and the process's CPU time
-- per request (os.clock: every thread) for each. Run it with bench/tasks_crud.sh against
-- `kubescript serve`, or with `kubescript run --context NAME bench/tasks_crud.lua` against a cluster.
-- arg[3] = "http2": the client speaks HTTP/2 over TLS.
local count = math.tointeger(tonumber(arg[1] or "200"))
local cms = k8s.client { http2 = arg[3] == "http2" }:CoreV1():ConfigMaps(arg[2] or "default")

-- wall-clock seconds (Lua has only whole seconds; date(1) gives nanoseconds)
local function now() local p = io.popen("date +%s.%N"); local t = tonumber(p:read("l")); p:close(); return t end

local ids = {}
for i = 1, count do ids[i] = i end

for _, workers in ipairs { 1, 4, 16 } do
  local cpu, wall = os.clock(), now()
  local options = { workers = workers }
  k8s.map(ids, function(i)
    cms:Create { metadata = { name = ("bench-%d"):format(i), labels = { bench = "tasks" } }, data = { key = "v" } }
  end, options)
  local objects = k8s.map(ids, function(i) return cms:Get(("bench-%d"):format(i)) end, options)
  k8s.map(objects, function(object)
    object.data.key = "updated"
    cms:Update(object)
  end, options)
  assert(#cms:List { labelSelector = "bench=tasks" }.items == count)
  k8s.map(ids, function(i) cms:Delete(("bench-%d"):format(i)) end, options)
  local seconds, used = now() - wall, os.clock() - cpu
  local requests = 4 * count + 1
  print(("workers %2d   %6.3f s wall   %6.1f µs CPU per request   %5.0f requests/s"):format(
    workers, seconds, used / requests * 1e6, requests / seconds))
end
