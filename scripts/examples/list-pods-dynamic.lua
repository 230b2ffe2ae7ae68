-- list-pods-dynamic.lua: list any resource with the dynamic client, objects as plain tables.
--   kubescript run --in-memory scripts/examples/list-pods-dynamic.lua [group/version] [resource]
local gv = k8s.ParseGroupVersion(arg[1] or "v1")
local c = k8s.client()
local r = c:Resource { group = gv.group, version = gv.version, resource = arg[2] or "pods" }
local list = r:List()
print(("%s: %d"):format(list.kind, #list.items))
for _, item in ipairs(list.items) do print(item.metadata.namespace or "", item.metadata.name) end
