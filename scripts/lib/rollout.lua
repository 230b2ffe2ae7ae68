--- rollout: the status and restart of workloads, as `kubectl rollout status|restart` do them.
--
--   local rollout = require "rollout"
--   local done, message = rollout.status(deployment)   -- kubectl's words for where it is
--   rollout.wait(c, deployment, { timeout = 120 })      -- until done; returns the object
--   rollout.restart(c, deployment)                      -- new Pods, by a template annotation
--
-- Deployments, StatefulSets and DaemonSets are understood, as kubectl's status viewers read them.
local rollout = {}

local viewers = {}

function viewers.Deployment(d)
  local name, status, spec = d.metadata.name, d.status or {}, d.spec or {}
  if (d.metadata.generation or 0) > (status.observedGeneration or 0) then
    return false, "Waiting for deployment spec update to be observed..."
  end
  for _, c in ipairs(status.conditions or {}) do
    if c.type == "Progressing" and c.reason == "ProgressDeadlineExceeded" then
      error(("deployment %q exceeded its progress deadline"):format(name), 0)
    end
  end
  local replicas, updated = spec.replicas or 1, status.updatedReplicas or 0
  if updated < replicas then
    return false, ("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated..."):format(name, updated, replicas)
  end
  if (status.replicas or 0) > updated then
    return false, ("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...")
      :format(name, status.replicas - updated)
  end
  if (status.availableReplicas or 0) < updated then
    return false, ("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...")
      :format(name, status.availableReplicas or 0, updated)
  end
  return true, ("deployment %q successfully rolled out"):format(name)
end

function viewers.StatefulSet(s)
  local status, spec = s.status or {}, s.spec or {}
  local strategy = spec.updateStrategy or {}
  if strategy.type ~= nil and strategy.type ~= "RollingUpdate" then
    error("rollout status is only available for RollingUpdate strategy type", 3)
  end
  if (status.observedGeneration or 0) == 0 or (s.metadata.generation or 0) > status.observedGeneration then
    return false, "Waiting for statefulset spec update to be observed..."
  end
  local replicas = spec.replicas or 1
  if (status.readyReplicas or 0) < replicas then
    return false, ("Waiting for %d pods to be ready..."):format(replicas - (status.readyReplicas or 0))
  end
  if strategy.rollingUpdate then
    -- with the partition a server defaults, kubectl speaks of a partitioned roll out
    local partition = strategy.rollingUpdate.partition
    if partition and (status.updatedReplicas or 0) < replicas - partition then
      return false, ("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...")
        :format(status.updatedReplicas or 0, replicas - partition)
    end
    return true, ("partitioned roll out complete: %d new pods have been updated..."):format(status.updatedReplicas or 0)
  end
  if status.updateRevision ~= status.currentRevision then
    return false, ("waiting for statefulset rolling update to complete %d pods at revision %s...")
      :format(status.updatedReplicas or 0, tostring(status.updateRevision))
  end
  return true, ("statefulset rolling update complete %d pods at revision %s..."):format(status.currentReplicas or 0, tostring(status.currentRevision))
end

function viewers.DaemonSet(d)
  local name, status = d.metadata.name, d.status or {}
  if (d.metadata.generation or 0) > (status.observedGeneration or 0) then
    return false, "Waiting for daemon set spec update to be observed..."
  end
  local desired = status.desiredNumberScheduled or 0
  if (status.updatedNumberScheduled or 0) < desired then
    return false, ("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...")
      :format(name, status.updatedNumberScheduled or 0, desired)
  end
  if (status.numberAvailable or 0) < desired then
    return false, ("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available..."):format(name, status.numberAvailable or 0, desired)
  end
  return true, ("daemon set %q successfully rolled out"):format(name)
end

--- rollout.resource(c, object): the client of the object's resource, in its namespace.
function rollout.resource(c, object)
  local group = k8s.ParseGroupVersion(object.apiVersion).group
  return c:ResourceFor(group == "" and object.kind or (object.kind .. "." .. group)):Namespace(object.metadata.namespace or c:Namespace())
end

--- rollout.status(object) → done, message. Raises for a kind that has no rollout, and for a
--- Deployment past its progress deadline.
function rollout.status(object)
  local viewer = viewers[object.kind]
  if not viewer then error(("no status viewer for kind %q"):format(tostring(object.kind)), 2) end
  local done, message = viewer(object)
  return done, message
end

--- rollout.wait(c, object, { timeout = 60, interval = 0.5, progress = function(message) end })
--- → the object once rolled out. Polls the object, as `kubectl rollout status` watches it.
function rollout.wait(c, object, options)
  options = options or {}
  local resource = rollout.resource(c, object)
  local last
  return k8s.WaitFor(function() return resource:Get(object.metadata.name) end, function(current)
    local done, message = rollout.status(current)
    if message ~= last and options.progress then options.progress(message) end
    last = message
    return done
  end, { timeout = options.timeout or 60, interval = options.interval or 0.5 })
end

--- rollout.restart(c, object) → the patched object: its Pod template gets
--- `kubectl.kubernetes.io/restartedAt` (now), so its Pods are replaced, as kubectl does it.
function rollout.restart(c, object)
  if not viewers[object.kind] then error(("%s %q cannot be restarted"):format(tostring(object.kind), object.metadata.name), 2) end
  local resource = rollout.resource(c, object)
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  return resource:Patch(object.metadata.name, "strategic",
    { spec = { template = { metadata = { annotations = { ["kubectl.kubernetes.io/restartedAt"] = now } } } } })
end

return rollout
