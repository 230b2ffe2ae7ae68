-- A replica contending for the Lease "leader" in namespace default: prints when it leads, and
-- while leading makes the ConfigMap "work" once (an owned object no two leaders may both create).
--   kubescript run --kubeconfig K leader.lua IDENTITY
local identity = arg[1]
local c = k8s.client()
local elector = k8s.leaderElection {
  client = c, lease = { namespace = "default", name = "leader" }, identity = identity,
  leaseDuration = 2, renewDeadline = 1.5, retryPeriod = 0.5,
  onStartedLeading = function()
    print("leading " .. identity)
    io.stdout:flush()
    local cms = c:CoreV1():ConfigMaps("default")
    local ok, err = pcall(cms.Get, cms, "work")
    if not ok and k8s.errors.IsNotFound(err) then
      cms:Create { metadata = { name = "work" }, data = { by = identity } }
      print("created work")
      io.stdout:flush()
    end
    while not k8s.shuttingDown() do k8s.sleep(0.1) end  -- SIGTERM: the work ends, then the lease is released
  end,
  onStoppedLeading = function() print("stopped leading " .. identity); io.stdout:flush() end,
  onNewLeader = function(id) print("leader is " .. id); io.stdout:flush() end,
}
elector:Run()
