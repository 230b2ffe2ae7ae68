--- canary: a worked example of a kubescript library (docs/libraries.md). It runs a canary of a
--- Deployment: a second Deployment with the new image and a few replicas beside the stable one,
--- then promotes it (the stable one gets the image) or aborts it (the canary goes).
--
--   local canary = require "canary"
--   local run = canary.start(c, "web", "nginx:1.26", { replicas = 1 })
--   if healthy then canary.promote(c, run) else canary.abort(c, run) end
local rollout = require "rollout"

local canary = {}

local function canaryName(name) return name .. "-canary" end

--- canary.start(c, name, image, { replicas = 1, timeout = 60 }) → a run: the canary Deployment,
--- a copy of `name`'s with the new image, rolled out.
function canary.start(c, name, image, options)
  options = options or {}
  local deployments = c:AppsV1():Deployments()
  local stable = deployments:Get(name)
  local template = stable.spec.template
  template.metadata.labels.track = "canary"
  for _, container in ipairs(template.spec.containers) do container.image = image end
  local selector = { matchLabels = {} }
  for k, v in pairs(stable.spec.selector.matchLabels) do selector.matchLabels[k] = v end
  selector.matchLabels.track = "canary"
  local created = deployments:Create {
    apiVersion = "apps/v1", kind = "Deployment",
    metadata = { name = canaryName(name), labels = { app = name, track = "canary" } },
    spec = { replicas = options.replicas or 1, selector = selector, template = template },
  }
  rollout.wait(c, created, { timeout = options.timeout or 60 })
  return { name = name, image = image, canary = created.metadata.name }
end

--- canary.promote(c, run): the stable Deployment gets the canary's image (retrying on
--- conflicts), rolls out, and the canary goes.
function canary.promote(c, run, options)
  local deployments = c:AppsV1():Deployments()
  k8s.RetryOnConflict(function()
    local stable = deployments:Get(run.name)
    for _, container in ipairs(stable.spec.template.spec.containers) do container.image = run.image end
    deployments:Update(stable)
  end)
  rollout.wait(c, deployments:Get(run.name), { timeout = (options or {}).timeout or 60 })
  canary.abort(c, run)
end

--- canary.abort(c, run): the canary Deployment and its Pods go (foreground deletion).
function canary.abort(c, run)
  local ok, err = pcall(function() c:AppsV1():Deployments():Delete(run.canary, { propagationPolicy = "Foreground" }) end)
  if not ok and not k8s.errors.IsNotFound(err) then error(err, 0) end
end

return canary
