-- Leader election on a Lease, within one script: the fields client-go writes, a second candidate
-- waiting, release on stop, and losing the lease stopping the leader's work. (Two processes and a
-- SIGKILL: LeaderElectionTests.)

test("a candidate acquires the Lease with client-go's fields, another waits, and a release hands it over", function(t, c)
  local leases = c:Resource { group = "coordination.k8s.io", version = "v1", resource = "leases" }:Namespace("default")
  local events = {}
  local function candidate(identity)
    return k8s.leaderElection { client = c, lease = { namespace = "default", name = "lock" }, identity = identity,
      leaseDuration = 1, renewDeadline = 0.8, retryPeriod = 0.2,
      onStartedLeading = function() events[#events + 1] = "lead " .. identity; while true do k8s.sleep(1) end end,
      onStoppedLeading = function() events[#events + 1] = "stop " .. identity end }
  end
  local a, b = candidate("a"), candidate("b")
  local runA = k8s.go(a.Run, a)
  k8s.WaitFor(function() return a:IsLeader() end, function(v) return v end, { timeout = 5, interval = 0.02 })
  local lease = leases:Get("lock")
  t:eq({ lease.spec.holderIdentity, lease.spec.leaseDurationSeconds, lease.spec.leaseTransitions }, { "a", 1, 0 })
  t:ok(lease.spec.acquireTime:match("^%d+%-%d+%-%d+T%d+:%d+:%d+%.%d%d%d%d%d%dZ$"), lease.spec.acquireTime)
  local runB = k8s.go(b.Run, b)
  k8s.sleep(1.5)
  t:ok(not b:IsLeader(), "b waits while a renews")
  a:Stop()
  runA:wait()
  t:eq(leases:Get("lock").spec.holderIdentity == "b" or leases:Get("lock").spec.holderIdentity == "", true)
  k8s.WaitFor(function() return b:IsLeader() end, function(v) return v end, { timeout = 5, interval = 0.02 })
  t:eq(leases:Get("lock").spec.leaseTransitions, 1)
  b:Stop()
  runB:wait()
  t:eq(events, { "lead a", "stop a", "lead b", "stop b" })
  t:raises(function() k8s.leaderElection { lease = { namespace = "default", name = "x" }, identity = "i", leaseDuration = 1, renewDeadline = 2 } end,
           "leaseDuration must be greater than renewDeadline")
end)
