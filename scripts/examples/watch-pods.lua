-- watch-pods.lua: watch Pods while a Deployment scales up, then stop.
--   kubescript run --in-memory scripts/examples/watch-pods.lua [replicas]
local replicas = math.tointeger(tonumber(arg[1] or "3")) or 3
local c = k8s.client()
local pods = c:CoreV1():Pods("default")
local start = pods:List().metadata.resourceVersion

c:AppsV1():Deployments("default"):Create {
  apiVersion = "apps/v1", kind = "Deployment",
  metadata = { name = "watched" },
  spec = {
    replicas = replicas,
    selector = { matchLabels = { app = "watched" } },
    template = { metadata = { labels = { app = "watched" } }, spec = { containers = { { name = "web", image = "nginx" } } } },
  },
}

local running = {}
local count = 0
for event in pods:Watch { resourceVersion = start, labelSelector = "app=watched", timeoutSeconds = 30 } do
  local pod = event.object
  print(event.type, pod.metadata.name, pod.status and pod.status.phase or "")
  if pod.status and pod.status.phase == "Running" and not running[pod.metadata.name] then
    running[pod.metadata.name] = true
    count = count + 1
  end
  if count == replicas then break end
end
print(("%d pods running"):format(count))
c:AppsV1():Deployments("default"):Delete("watched", { propagationPolicy = "Foreground" })
