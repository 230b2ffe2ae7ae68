local canary = require "canary"

test("a promoted canary leaves the stable Deployment on the new image", { fixtures = { "web.yaml" } }, function(t, c)
  local run = canary.start(c, "web", "nginx:1.26", { timeout = 30 })
  t:eq(c:AppsV1():Deployments():Get("web-canary").spec.template.spec.containers[1].image, "nginx:1.26")
  canary.promote(c, run, { timeout = 30 })
  t:eq(c:AppsV1():Deployments():Get("web").spec.template.spec.containers[1].image, "nginx:1.26")
  require("wait").deleted(c, { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "web-canary" } }, { timeout = 10 })
end)

test("an aborted canary leaves the stable Deployment alone", { fixtures = { "web.yaml" } }, function(t, c)
  local run = canary.start(c, "web", "nginx:broken", { timeout = 30 })
  canary.abort(c, run)
  t:eq(c:AppsV1():Deployments():Get("web").spec.template.spec.containers[1].image, "nginx:1.25")
  canary.abort(c, run)  -- twice is fine
end)
