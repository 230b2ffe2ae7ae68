local wait = require "wait"

test("deleted returns once the object is gone", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local cm = cms:Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "doomed", finalizers = { "example.com/hold" } } }
  cms:Delete("doomed")
  t:raises(function() wait.deleted(c, cm, { timeout = 1 }) end, k8s.errors.IsTimeout)
  cms:Patch("doomed", "merge", { metadata = { finalizers = k8s.null } })
  wait.deleted(c, cm, { timeout = 10 })
  t:raises(function() cms:Get("doomed") end, k8s.errors.IsNotFound)
end)

test("condition returns the object once it holds", function(t, c)
  local job = c:BatchV1():Jobs():Create { apiVersion = "batch/v1", kind = "Job", metadata = { name = "once" },
    spec = { template = { spec = { restartPolicy = "Never", containers = { { name = "c", image = "busybox" } } } } } }
  local done = wait.condition(c, job, "Complete", { timeout = 30 })
  t:eq(done.status.succeeded, 1)
end)

test("until_ returns fn's first true value", function(t)
  local n = 0
  t:eq(wait.until_(function() n = n + 1; return n >= 3 and n end, { timeout = 5, interval = 0.01 }), 3)
end)
