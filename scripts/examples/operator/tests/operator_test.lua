local operator = require "operator"

-- Waits until check() returns a value.
local function eventually(check)
  return k8s.WaitFor(function()
    local ok, value = pcall(check)
    return ok and value or nil
  end, function(v) return v ~= nil end, { timeout = 20, interval = 0.05 })
end

test("a Website becomes a ConfigMap, a Deployment and a Service, follows changes, repairs drift, and goes",
     { fixtures = { "../deploy/crd.yaml" } }, function(t, c)
  local controller = operator.controller(c)
  local running = k8s.go(controller.Run, controller)
  local sites = c:Resource { group = "example.com", version = "v1", resource = "websites" }:Namespace(c:Namespace())
  local deployments = c:AppsV1():Deployments()
  sites:Create { apiVersion = "example.com/v1", kind = "Website", metadata = { name = "shop" },
                 spec = { image = "nginx:1.25", replicas = 2 } }

  -- created: the three objects, owned; the status Ready with the generation seen
  local deployment = eventually(function() return deployments:Get("shop") end)
  t:eq(deployment.spec.replicas, 2)
  t:eq(deployment.metadata.ownerReferences[1].kind, "Website")
  t:ok(eventually(function() return c:CoreV1():Services():Get("shop") end))
  t:eq(eventually(function() return c:CoreV1():ConfigMaps():Get("shop-page") end).data["index.html"], "<h1>shop</h1>\n")
  local site = eventually(function()
    local s = sites:Get("shop")
    return k8s.conditions.isTrue(s, "Ready") and s or nil
  end)
  t:eq(site.status.observedGeneration, site.metadata.generation)
  t:ok(k8s.finalizers.has(site, "example.com/cleanup"))

  -- changed: the Deployment follows the spec
  sites:Patch("shop", "merge", { spec = { replicas = 3, image = "nginx:1.27" } })
  eventually(function()
    local d = deployments:Get("shop")
    return d.spec.replicas == 3 and d.spec.template.spec.containers[1].image == "nginx:1.27" or nil
  end)

  -- drift: someone scales the owned Deployment by hand; the operator puts it back
  deployments:Patch("shop", "merge", { spec = { replicas = 7 } })
  eventually(function() return deployments:Get("shop").spec.replicas == 3 or nil end)

  -- deleted: the finalizer goes, then the Website, then what it owned
  sites:Delete("shop")
  eventually(function()
    local ok, err = pcall(sites.Get, sites, "shop")
    return not ok and k8s.errors.IsNotFound(err) or nil
  end)
  eventually(function()
    local ok, err = pcall(deployments.Get, deployments, "shop")
    return not ok and k8s.errors.IsNotFound(err) or nil
  end)
  local reasons = {}
  local events = c:Resource { group = "events.k8s.io", version = "v1", resource = "events" }:Namespace(c:Namespace()):List()
  for _, e in ipairs(events.items) do reasons[e.reason] = true end
  t:ok(reasons.Created and reasons.Deleted, k8s.json.encode(reasons))
  controller:Stop()
  running:wait()
end)
