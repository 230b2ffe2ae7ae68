-- deployment-typed.lua: client-go's create-update-delete-deployment example, typed.
--   kubescript run --in-memory scripts/examples/deployment-typed.lua
local c = k8s.client()
local deployments = c:AppsV1():Deployments("default")

local deployment = {
  apiVersion = "apps/v1", kind = "Deployment",
  metadata = { name = "demo-deployment" },
  spec = {
    replicas = 2,
    selector = { matchLabels = { app = "demo" } },
    template = {
      metadata = { labels = { app = "demo" } },
      spec = { containers = { { name = "web", image = "nginx:1.12", ports = { { name = "http", containerPort = 80 } } } } },
    },
  },
}
print("Creating deployment...")
local created = deployments:Create(deployment)
print(("Created deployment %q."):format(created.metadata.name))

print("Updating deployment...")
-- Get the latest version before each try: another writer may change it (RetryOnConflict).
k8s.RetryOnConflict(function()
  local result = deployments:Get("demo-deployment")
  result.spec.replicas = 1
  result.spec.template.spec.containers[1].image = "nginx:1.13"
  deployments:Update(result)
end)
print("Updated deployment...")

print(("Listing deployments in namespace %q:"):format(c:Namespace()))
for _, d in ipairs(deployments:List().items) do
  print((" * %s (%d replicas)"):format(d.metadata.name, d.spec.replicas))
end

print("Deleting deployment...")
deployments:Delete("demo-deployment", { propagationPolicy = "Foreground" })
print("Deleted deployment.")
