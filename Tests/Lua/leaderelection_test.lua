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

test("a Lease as client-go wrote it is held until it stops changing, then taken with the same fields", function(t, c)
  -- recorded against the real kube-apiserver, kube-controller-manager contending with kubescript
  local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
  local file = assert(io.open(here .. "/../Fixtures/leases/contend.json"))
  local recorded = k8s.json.decode(file:read("a"))
  file:close()
  local byClientGo, byKubescript = recorded.records[1].spec, recorded.records[2].spec
  local leases = c:Resource { group = "coordination.k8s.io", version = "v1", resource = "leases" }:Namespace(c:Namespace())
  local spec = k8s.deepcopy(byClientGo)
  spec.leaseDurationSeconds = 1  -- recorded as 15 s; shortened so the test takes one
  leases:Create { apiVersion = "coordination.k8s.io/v1", kind = "Lease", metadata = { name = "contend" }, spec = spec }
  local leaders = {}
  local elector = k8s.leaderElection {
    client = c, lease = { namespace = c:Namespace(), name = "contend" }, identity = "kubescript",
    leaseDuration = 1, renewDeadline = 0.8, retryPeriod = 0.2,
    onStartedLeading = function() while true do k8s.sleep(1) end end,
    onNewLeader = function(id) leaders[#leaders + 1] = id end,
  }
  local run = k8s.go(elector.Run, elector)
  k8s.sleep(0.5)
  t:ok(not elector:IsLeader(), "client-go's holder has not let the lease expire by our clock")
  k8s.WaitFor(function() return elector:IsLeader() end, function(v) return v end, { timeout = 5, interval = 0.02 })
  local taken = leases:Get("contend").spec
  t:eq(leaders, { byClientGo.holderIdentity, "kubescript" })
  t:eq({ taken.holderIdentity, taken.leaseTransitions }, { "kubescript", byClientGo.leaseTransitions + 1 })
  local function fields(s)
    local names = {}
    for name in pairs(s) do names[#names + 1] = name end
    table.sort(names)
    return table.concat(names, " ")
  end
  t:eq(fields(taken), fields(byClientGo), "the fields client-go writes")
  t:eq(fields(byKubescript), fields(byClientGo), "as recorded against the real server")
  local microTime = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%d%d%dZ$"
  for _, time in ipairs { byClientGo.renewTime, byClientGo.acquireTime, taken.renewTime, taken.acquireTime } do
    t:ok(time:match(microTime), time)
  end
  elector:Stop()
  run:wait()
end)
