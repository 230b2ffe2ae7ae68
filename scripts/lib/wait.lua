--- wait: waiting for conditions and deletions, as `kubectl wait` does.
--
--   local wait = require "wait"
--   wait.condition(c, deployment, "Available", { timeout = 60 })  -- the object, once it holds
--   wait.deleted(c, pod, { timeout = 30 })                        -- once the object is gone
--   wait.until_(fn, { timeout = 10, interval = 0.2 })             -- fn() returns a true value
local wait = {}

local function resourceFor(c, object)
  local group = k8s.ParseGroupVersion(object.apiVersion).group
  local name = group == "" and object.kind or (object.kind .. "." .. group)
  return c:ResourceFor(name):Namespace(object.metadata.namespace or c:Namespace())
end

--- wait.condition(c, object, type, options): the object once its condition `type` is True.
function wait.condition(c, object, condition, options)
  return c:WaitForCondition(object, condition, options)
end

--- wait.deleted(c, object, { timeout = 30, interval = 0.2 }): returns once a get says NotFound.
function wait.deleted(c, object, options)
  options = options or {}
  local resource = resourceFor(c, object)
  k8s.WaitFor(function()
    local ok, err = pcall(resource.Get, resource, object.metadata.name)
    if ok then return false end
    if k8s.errors.IsNotFound(err) then return true end
    error(err, 0)
  end, function(gone) return gone end, { timeout = options.timeout or 30, interval = options.interval or 0.2 })
end

--- wait.until_(fn, options): fn's first true value.
function wait.until_(fn, options)
  return k8s.WaitFor(fn, function(v) return v end, options)
end

return wait
