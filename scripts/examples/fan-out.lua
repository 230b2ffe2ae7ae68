-- fan-out.lua: count the Pods and ConfigMaps of every namespace, all namespaces at once.
--   kubescript run --in-memory scripts/examples/fan-out.lua [workers]
local workers = math.tointeger(tonumber(arg[1] or "8")) or 8
local c = k8s.client()
local namespaces = c:CoreV1():Namespaces():List().items

-- one task per namespace, at most `workers` in flight; each makes its two requests at once too
local counts = k8s.map(namespaces, function(ns)
  local name = ns.metadata.name
  local pods, configMaps = k8s.all {
    function() return #c:CoreV1():Pods(name):List().items end,
    function() return #c:CoreV1():ConfigMaps(name):List().items end,
  }
  return { namespace = name, pods = pods, configMaps = configMaps }
end, { workers = workers })

for _, row in ipairs(counts) do  -- in the namespaces' order, whatever order the answers came in
  print(("%-20s %3d pods %3d configmaps"):format(row.namespace, row.pods, row.configMaps))
end
