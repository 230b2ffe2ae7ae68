--- manifest: load a folder of YAML (and JSON) manifests and apply them in dependency order,
--- namespaces and CRDs first, as `kubectl apply -f folder/` would need them to be.
--
--   local manifest = require "manifest"
--   local objects = manifest.load("deploy/")          -- every document of every *.yaml/*.yml/*.json
--   manifest.apply(c, "deploy/", { fieldManager = "ci" })
local manifest = {}

-- What must exist before what (Helm's install order): namespaces, CRDs and cluster-wide
-- configuration first, workloads later, custom resources last.
local order = {
  "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
  "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
  "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service",
  "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
  "StatefulSet", "Job", "CronJob", "Ingress", "APIService",
}
local rank = {}
for i, kind in ipairs(order) do rank[kind] = i end

--- manifest.load(path): the objects of a file, or of every manifest file in a folder (sorted by
--- name, not recursive).
function manifest.load(path)
  local files = {}
  local ok, names = pcall(k8s.readdir, path)
  if ok then
    for _, name in ipairs(names) do
      if name:match("%.ya?ml$") or name:match("%.json$") then files[#files + 1] = path:gsub("/$", "") .. "/" .. name end
    end
  else
    files[1] = path
  end
  local objects = {}
  for _, file in ipairs(files) do
    local f = assert(io.open(file))
    local text = f:read("a")
    f:close()
    local documents = file:match("%.json$") and { k8s.json.decode(text) } or k8s.yaml.decodeAll(text)
    for _, object in ipairs(documents) do
      if object.kind and object.kind:match("List$") and object.items then
        for _, item in ipairs(object.items) do objects[#objects + 1] = item end
      elseif object ~= k8s.null then
        objects[#objects + 1] = object
      end
    end
  end
  return objects
end

--- manifest.sort(objects): a new list in dependency order (stable within a kind).
function manifest.sort(objects)
  local entries = {}
  for i, object in ipairs(objects) do entries[i] = { i = i, object = object, rank = rank[object.kind] or (#order + 1) } end
  table.sort(entries, function(a, b)
    if a.rank ~= b.rank then return a.rank < b.rank end
    return a.i < b.i
  end)
  local sorted = {}
  for i, entry in ipairs(entries) do sorted[i] = entry.object end
  return sorted
end

--- manifest.apply(c, pathOrObjects, { fieldManager =, force =, timeout = }): server-side apply of
--- each object in order; CRDs are waited for (Established) before anything after them.
function manifest.apply(c, source, options)
  options = options or {}
  local objects = type(source) == "string" and manifest.load(source) or source
  local applied = {}
  local pendingDefinitions = {}
  for _, object in ipairs(manifest.sort(objects)) do
    if object.kind ~= "CustomResourceDefinition" and #pendingDefinitions > 0 then
      for _, definition in ipairs(pendingDefinitions) do
        c:WaitForCondition(definition, "Established", { timeout = options.timeout or 60 })
      end
      pendingDefinitions = {}
    end
    local result = c:Apply(object, { fieldManager = options.fieldManager or "kubescript", force = options.force })[1]
    applied[#applied + 1] = result
    if object.kind == "CustomResourceDefinition" then pendingDefinitions[#pendingDefinitions + 1] = result end
  end
  for _, definition in ipairs(pendingDefinitions) do
    c:WaitForCondition(definition, "Established", { timeout = options.timeout or 60 })
  end
  return applied
end

return manifest
