-- discovery.lua: print every group, version and resource the server serves. Discovery answers
-- are kept in ~/.kube/cache/discovery/<host_port>/ for six hours, as kubectl keeps them.
--   kubescript run --in-memory scripts/examples/discovery.lua
local c = k8s.client()
local d = c:Discovery()
print("server " .. d:ServerVersion().gitVersion)
local _, lists = d:ServerGroupsAndResources()
for _, list in ipairs(lists) do
  for _, r in ipairs(list.resources) do
    print(("%-40s %-35s %s"):format(list.groupVersion, r.name, r.namespaced and "namespaced" or "cluster"))
  end
end
