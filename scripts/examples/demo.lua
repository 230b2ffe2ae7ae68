#!/usr/bin/env kubescript run
-- demo.lua: roll out an app and scale it, as an automation script does.
--   kubescript run --in-memory scripts/examples/demo.lua [name] [replicas]
-- Applies a namespace, a Deployment and a Service (server-side apply), waits for the rollout,
-- scales it with a conflict retry, lists its Pods, and deletes it all in the foreground.
local labels = require "labels"

local name = arg[1] or "web"
local replicas = math.tointeger(tonumber(arg[2] or "3"))
if not replicas or replicas < 0 then
  io.stderr:write("usage: demo.lua [name] [replicas ≥ 0]\n")
  os.exit(2)
end

local c = k8s.client()
local namespace = "demo"
local match = { app = name, tier = "frontend" }

local manifest = ([[
apiVersion: v1
kind: Namespace
metadata:
  name: %s
---
apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  ports:
  - port: 80
    targetPort: http
]]):format(namespace, name, namespace)
local objects = k8s.yaml.decodeAll(manifest)
objects[2].spec.selector = match
objects[3] = {
  apiVersion = "apps/v1", kind = "Deployment",
  metadata = { name = name, namespace = namespace, labels = match },
  spec = {
    replicas = 1,
    selector = { matchLabels = match },
    template = {
      metadata = { labels = match },
      spec = { containers = { { name = name, image = "nginx:1.25", ports = { { containerPort = 80, name = "http" } } } } },
    },
  },
}

for _, object in ipairs(c:Apply(objects, { fieldManager = "demo" })) do
  print(("applied %s/%s"):format(object.kind:lower(), object.metadata.name))
end

local deployments = c:AppsV1():Deployments(namespace)
local ready = c:WaitForCondition(objects[3], "Available", { timeout = 60 })
print(("%s is available: %d/%d ready"):format(name, ready.status.readyReplicas or 0, ready.spec.replicas))

-- scale it, retrying if someone else changed it meanwhile (client-go's RetryOnConflict)
k8s.RetryOnConflict(function()
  local current = deployments:Get(name)
  current.spec.replicas = replicas
  deployments:Update(current)
end)
local scaled = k8s.WaitFor(function() return deployments:Get(name) end,
                           function(d) return (d.status.readyReplicas or 0) == replicas end,
                           { timeout = 60, interval = 0.2 })
print(("scaled %s to %d: %d ready"):format(name, replicas, scaled.status.readyReplicas or 0))

local pods = c:CoreV1():Pods(namespace):List { labelSelector = labels.selector(match) }
for _, pod in ipairs(pods.items) do
  print(("  %-28s %-8s %s"):format(pod.metadata.name, pod.status.phase, pod.spec.nodeName or ""))
end

c:CoreV1():Namespaces():Delete(namespace, { propagationPolicy = "Foreground" })
print(("deleted namespace %s"):format(namespace))
