-- bench/client_crud.lua: bench/client's 1,000-ConfigMap create/get/update/delete, in Lua through
-- the k8s module, reporting requests per second and the process's CPU time per request
-- (os.clock), to compare with the Swift client's (bench/client). Run it with bench/client_crud.sh,
-- which starts `kubescript serve` as its own process first.
local count = math.tointeger(tonumber(arg[1] or "1000"))
local cms = k8s.client():CoreV1():ConfigMaps("default")

local function body(i, value)
  return { apiVersion = "v1", kind = "ConfigMap",
           metadata = { name = "cm-" .. i, labels = { app = "bench" } },
           data = { key = value, ["config.yaml"] = "replicas: 3\nimage: nginx:1.25\n" } }
end

local total = { wall = 0, cpu = 0 }
-- wall-clock seconds (Lua has only whole seconds; date(1) gives nanoseconds)
local function now() local p = io.popen("date +%s.%N"); local t = tonumber(p:read("l")); p:close(); return t end

local function measure(label, fn)
  local cpu, t0 = os.clock(), now()
  fn()
  local used, seconds = os.clock() - cpu, now() - t0
  total.wall, total.cpu = total.wall + seconds, total.cpu + used
  print(("%-9s %8.0f requests/s   %6.1f µs of the process's CPU per request"):format(label, count / seconds, used / count * 1e6))
end

local objects = {}
measure("create", function() for i = 0, count - 1 do cms:Create(body(i, "v")) end end)
measure("get", function() for i = 0, count - 1 do objects[#objects + 1] = cms:Get("cm-" .. i) end end)
measure("update", function()
  for _, object in ipairs(objects) do
    object.data.key = "updated"
    cms:Update(object)
  end
end)
measure("delete", function() for i = 0, count - 1 do cms:Delete("cm-" .. i) end end)
print(("%-9s %8.0f requests/s   %6.1f µs of the process's CPU per request"):format("all", 4 * count / total.wall, total.cpu / (4 * count) * 1e6))
