-- deployment-dynamic.lua: the same lifecycle with the dynamic client (unstructured objects).
--   kubescript run --in-memory scripts/examples/deployment-dynamic.lua
local c = k8s.client()
local r = c:Resource { group = "apps", version = "v1", resource = "deployments" }:Namespace("default")

local created = r:Create {
  apiVersion = "apps/v1", kind = "Deployment",
  metadata = { name = "demo-deployment" },
  spec = {
    replicas = 2,
    selector = { matchLabels = { app = "demo" } },
    template = {
      metadata = { labels = { app = "demo" } },
      spec = { containers = { { name = "web", image = "nginx:1.12" } } },
    },
  },
}
print(("Created deployment %q."):format(created.metadata.name))

k8s.RetryOnConflict(function()
  local result = r:Get("demo-deployment")
  result.spec.replicas = 1
  result.spec.template.spec.containers[1].image = "nginx:1.13"
  r:Update(result)
end)
print("Updated deployment...")

for _, d in ipairs(r:List().items) do
  print((" * %s (%d replicas, image %s)"):format(d.metadata.name, d.spec.replicas, d.spec.template.spec.containers[1].image))
end
r:Delete("demo-deployment", { propagationPolicy = "Foreground" })
print("Deleted deployment.")
