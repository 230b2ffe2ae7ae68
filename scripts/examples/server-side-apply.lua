-- server-side-apply.lua: apply a Deployment as two field managers; the second conflicts on
-- spec.replicas until it forces the change.
--   kubescript run --in-memory scripts/examples/server-side-apply.lua
local c = k8s.client()
local deployments = c:AppsV1():Deployments("default")
local desired = {
  apiVersion = "apps/v1", kind = "Deployment",
  metadata = { name = "applied" },
  spec = {
    replicas = 2,
    selector = { matchLabels = { app = "applied" } },
    template = { metadata = { labels = { app = "applied" } }, spec = { containers = { { name = "web", image = "nginx:1.25" } } } },
  },
}
deployments:Apply(desired, { fieldManager = "platform" })
print("applied by platform: replicas 2")

desired.spec.replicas = 5
local ok, err = pcall(deployments.Apply, deployments, desired, { fieldManager = "autoscaler" })
print("autoscaler without force:", ok, k8s.errors.IsConflict(err) and err.message or tostring(err))

local forced = deployments:Apply(desired, { fieldManager = "autoscaler", force = true })
print("autoscaler with force: replicas " .. forced.spec.replicas)
for _, entry in ipairs(forced.metadata.managedFields) do
  local owned = {}
  for field in pairs(entry.fieldsV1["f:spec"] or {}) do owned[#owned + 1] = (field:gsub("^f:", "")) end
  table.sort(owned)
  -- the controllers' status updates own no spec field and may or may not have come yet
  if #owned > 0 then print(("  %s (%s) owns spec: %s"):format(entry.manager, entry.operation, table.concat(owned, ", "))) end
end
deployments:Delete("applied")
