-- bench/informer.lua: an informer over COUNT ConfigMaps (10,000 by default): the time until its
-- cache is synced, the Lua memory per cached object, and the reconciles per second of a no-op
-- controller over them. Run it with bench/informer.sh against `kubescript serve`.
local count = math.tointeger(tonumber(arg[1] or "10000"))
local c = k8s.client()
local cms = c:CoreV1():ConfigMaps("bench")

-- wall-clock seconds (Lua has only whole seconds; date(1) gives nanoseconds)
local function now() local p = io.popen("date +%s.%N"); local t = tonumber(p:read("l")); p:close(); return t end

c:CoreV1():Namespaces():Create { metadata = { name = "bench" } }
local ids = {}
for i = 1, count do ids[i] = i end
k8s.map(ids, function(i)
  cms:Create { metadata = { name = ("cm-%05d"):format(i), labels = { app = "bench" } },
               data = { key = "value", ["config.yaml"] = "replicas: 3\nimage: nginx:1.25\n" } }
end, { workers = 16 })

collectgarbage("collect")
local before = collectgarbage("count")
local started, cpu = now(), os.clock()
local informer = c:Informer(cms)
informer:Start()
k8s.WaitForCacheSync(informer)
local synced, syncCPU = now() - started, os.clock() - cpu
collectgarbage("collect")
local perObject = (collectgarbage("count") - before) * 1024 / count
print(("informer: %d objects synced in %.3f s (%.3f s CPU), %.0f bytes of Lua memory per cached object")
  :format(#informer:Store():List(), synced, syncCPU, perObject))

local reconciled = 0
local controller = k8s.controller { name = "noop", client = c, primary = cms, workers = 4,
                                    reconcile = function() reconciled = reconciled + 1 end }
started, cpu = now(), os.clock()
local running = k8s.go(controller.Run, controller)
k8s.WaitFor(function() return reconciled end, function(n) return n >= count end, { timeout = 300, interval = 0.05 })
local seconds = now() - started
print(("no-op controller: %d reconciles in %.3f s, %.0f reconciles/s (%.3f s CPU; its informer is the one above, shared)")
  :format(reconciled, seconds, reconciled / seconds, os.clock() - cpu))
controller:Stop()
running:wait()
