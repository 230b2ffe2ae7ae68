-- A controller over the ConfigMaps a, b and c of namespace default (it makes them) whose
-- reconcile takes arg[1] seconds, one at a time; it prints as each starts and ends, and when
-- the controller has stopped.
--   kubescript run [--health-addr A] [--metrics-addr A] slow-controller.lua SECONDS
local seconds = tonumber(arg[1])
local c = k8s.client()
local cms = c:CoreV1():ConfigMaps("default")
for _, name in ipairs { "a", "b", "c" } do
  pcall(cms.Create, cms, { metadata = { name = name } })
end
local function say(text) print(text); io.stdout:flush() end
local controller = k8s.controller {
  name = "slow", client = c, primary = cms, workers = 1,
  reconcile = function(req)
    if req.name == "kube-root-ca.crt" then return end
    say("reconciling " .. req.name)
    k8s.sleep(seconds)
    say("reconciled " .. req.name)
  end,
}
controller:Run()
say("stopped")
