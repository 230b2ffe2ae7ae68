-- The shutdown SIGTERM asks for, asked here with k8s.shutdown(): handlers, a controller that
-- finishes the request it holds and takes no other, and an elector that renews its Lease until
-- that work has ended, then releases it. (SIGTERM itself, the grace period and the endpoints:
-- ScriptProcessTests; two replicas: LeaderElectionTests.)

test("a shutdown lets the reconcile under way finish, then the elector releases the Lease", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  for _, name in ipairs { "a", "b" } do cms:Create { metadata = { name = name } } end
  local log, current = {}, nil
  local controller = k8s.controller {
    name = "drain", client = c, primary = cms, workers = 1,
    reconcile = function(req)
      if req.name ~= "a" and req.name ~= "b" then return end
      current = req.name
      log[#log + 1] = "start " .. req.name
      k8s.sleep(1.5)  -- longer than the lease: the elector must renew it meanwhile
      log[#log + 1] = "end " .. req.name
    end,
  }
  local leases = c:Resource { group = "coordination.k8s.io", version = "v1", resource = "leases" }:Namespace(c:Namespace())
  local elector = k8s.leaderElection {
    client = c, lease = { namespace = c:Namespace(), name = "drain" }, identity = "me",
    leaseDuration = 1, renewDeadline = 0.8, retryPeriod = 0.2,
    onStartedLeading = function() controller:Run(); log[#log + 1] = "controller stopped" end,
    onStoppedLeading = function() log[#log + 1] = "stopped leading" end,
  }
  local order = {}
  k8s.onShutdown(function() order[#order + 1] = "first" end)
  local remove = k8s.onShutdown(function() order[#order + 1] = "removed" end)
  k8s.onShutdown(function() order[#order + 1] = "second" end)
  remove()
  local run = k8s.go(elector.Run, elector)
  k8s.WaitFor(function() return current end, function(v) return v ~= nil end, { timeout = 10, interval = 0.01 })
  t:ok(not k8s.shuttingDown())
  k8s.shutdown()
  t:ok(k8s.shuttingDown())
  k8s.shutdown()  -- once is enough; again changes nothing
  t:eq(order, { "first", "second" })
  local renewed = leases:Get("drain").spec.renewTime
  k8s.sleep(1.2)
  local lease = leases:Get("drain")
  t:eq(lease.spec.holderIdentity, "me", "held while the work drains")
  t:ok(lease.spec.renewTime ~= renewed, "renewed while the work drains")
  run:wait()
  t:eq(log, { "start " .. current, "end " .. current, "controller stopped", "stopped leading" })
  t:eq(leases:Get("drain").spec.holderIdentity, "", "released")

  local late = 0
  k8s.onShutdown(function() late = late + 1 end)
  t:eq(late, 1, "a handler added after the shutdown runs at once")
  t:raises(function() k8s.onShutdown("no") end, "bad argument #1 to 'onShutdown' (function expected, got string)")
end)
