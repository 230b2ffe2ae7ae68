local rollout = require "rollout"

local function deployment(name, replicas)
  return { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = name },
           spec = { replicas = replicas, selector = { matchLabels = { app = name } },
                    template = { metadata = { labels = { app = name } }, spec = { containers = { { name = "c", image = "nginx" } } } } } }
end

test("status reads a Deployment as kubectl does", function(t)
  local d = deployment("web", 3)
  d.metadata.generation = 2
  d.status = { observedGeneration = 1 }
  t:eq({ rollout.status(d) }, { false, "Waiting for deployment spec update to be observed..." })
  d.status = { observedGeneration = 2, replicas = 3, updatedReplicas = 3, availableReplicas = 1 }
  t:eq({ rollout.status(d) }, { false, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...' })
  d.status.availableReplicas = 3
  t:eq({ rollout.status(d) }, { true, 'deployment "web" successfully rolled out' })
  t:raises(function() rollout.status { kind = "ConfigMap", metadata = { name = "x" } } end, 'no status viewer for kind "ConfigMap"')
end)

test("wait follows a rollout to its end", function(t, c)
  local created = c:AppsV1():Deployments():Create(deployment("web", 2))
  local messages = {}
  local done = rollout.wait(c, created, { timeout = 30, interval = 0.1, progress = function(m) messages[#messages + 1] = m end })
  t:eq(done.status.availableReplicas, 2)
  t:eq(messages[#messages], 'deployment "web" successfully rolled out')
end)

test("restart replaces the Pods through a new ReplicaSet", function(t, c)
  local created = c:AppsV1():Deployments():Create(deployment("api", 1))
  rollout.wait(c, created, { timeout = 30, interval = 0.1 })
  local restarted = rollout.restart(c, created)
  t:ok(restarted.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"], "the template is annotated")
  rollout.wait(c, restarted, { timeout = 30, interval = 0.1 })
  local sets = c:AppsV1():ReplicaSets():List { labelSelector = "app=api" }
  t:eq(#sets.items, 2, "an old and a new ReplicaSet")
end)
