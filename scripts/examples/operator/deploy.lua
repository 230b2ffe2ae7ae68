-- deploy.lua: installs the Website operator in a cluster: the CRD, the operator's namespace,
-- service account and least-privilege RBAC, its script (init.lua, main.lua) as the ConfigMap
-- website-operator-script, and the Deployment of two replicas running IMAGE; then waits until
-- all of it is Current. Run it again after changing the script: the Pods restart with it.
--   kubescript run scripts/examples/operator/deploy.lua IMAGE
local image = arg[1]
if not image then error("usage: deploy.lua IMAGE (a kubescript image: deploy/Containerfile)", 0) end
local here = arg[0]:match("^(.*)/[^/]*$") or "."

local function read(name)
  local file = assert(io.open(here .. "/" .. name))
  local text = file:read("a")
  file:close()
  return text
end

local objects = {}
for _, name in ipairs { "deploy/crd.yaml", "deploy/rbac.yaml", "deploy/operator.yaml" } do
  for _, object in ipairs(k8s.yaml.decodeAll(read(name))) do objects[#objects + 1] = object end
end
local script = { ["init.lua"] = read("init.lua"), ["main.lua"] = read("main.lua") }
objects[#objects + 1] = {
  apiVersion = "v1", kind = "ConfigMap", data = script,
  metadata = { name = "website-operator-script", namespace = "website-operator" },
}
for _, object in ipairs(objects) do
  if object.kind == "Deployment" then
    local template = object.spec.template
    template.spec.containers[1].image = image
    -- a changed script is a changed Pod template, so the Deployment rolls out the new one
    template.metadata.annotations = { ["example.com/script-sha256"] = k8s.sha256(script["init.lua"] .. script["main.lua"]) }
  end
end

local c = k8s.client()
c:Apply(objects)
c:WaitForStatus(objects, { status = "Current", timeout = 300 })
print(("website-operator: %d objects applied and Current, image %s"):format(#objects, image))
