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

test("status reads a StatefulSet as kubectl does", function(t)
  local s = { kind = "StatefulSet", metadata = { name = "db", generation = 1 },
              spec = { replicas = 3, updateStrategy = { type = "RollingUpdate" } },
              status = { observedGeneration = 1, readyReplicas = 1 } }
  t:eq({ rollout.status(s) }, { false, "Waiting for 2 pods to be ready..." })
  s.status = { observedGeneration = 1, readyReplicas = 3, updatedReplicas = 1, currentReplicas = 2, currentRevision = "db-1", updateRevision = "db-2" }
  t:eq({ rollout.status(s) }, { false, "waiting for statefulset rolling update to complete 1 pods at revision db-2..." })
  s.spec.updateStrategy.rollingUpdate = { partition = 0 }
  t:eq({ rollout.status(s) }, { false, "Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated..." })
  s.spec.updateStrategy = { type = "OnDelete" }
  t:raises(function() rollout.status(s) end, "only available for RollingUpdate")
end)

test("wait follows a StatefulSet and a DaemonSet in the cluster", function(t, c)
  local template = { metadata = { labels = { app = "db" } }, spec = { containers = { { name = "db", image = "postgres:16" } } } }
  local set = c:AppsV1():StatefulSets():Create { apiVersion = "apps/v1", kind = "StatefulSet", metadata = { name = "db" },
    spec = { serviceName = "db", replicas = 2, selector = { matchLabels = { app = "db" } }, template = template } }
  local messages = {}
  rollout.wait(c, set, { timeout = 30, interval = 0.1, progress = function(m) messages[#messages + 1] = m end })
  t:eq(messages[#messages], "partitioned roll out complete: 2 new pods have been updated...")
  local pods = c:CoreV1():Pods():List { labelSelector = "app=db" }
  t:eq(#pods.items, 2)
  local daemon = c:AppsV1():DaemonSets():Create { apiVersion = "apps/v1", kind = "DaemonSet", metadata = { name = "agent" },
    spec = { selector = { matchLabels = { app = "agent" } },
             template = { metadata = { labels = { app = "agent" } }, spec = { containers = { { name = "a", image = "fluent-bit:2" } } } } } }
  local done = rollout.wait(c, daemon, { timeout = 30, interval = 0.1 })
  t:eq(done.status.numberReady, 1)
end)
