-- main.lua: the Website operator as it runs in a cluster, one of several replicas: the replica
-- holding the Lease "website-operator" runs the controller; the others wait to take over.
--   kubescript run scripts/examples/operator/main.lua [IDENTITY]
package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/../?/init.lua;" .. package.path
local operator = require "operator"
local c = k8s.client()
local identity = arg[1] or os.getenv("POD_NAME") or io.popen("hostname"):read("l")
local controller = operator.controller(c)
k8s.leaderElection {
  client = c, lease = { namespace = c:Namespace(), name = "website-operator" }, identity = identity,
  onStartedLeading = function() controller:Run() end,
  onNewLeader = function(id) k8s.log.info("leader: " .. id) end,
}:Run()
