-- A task fails and nobody waits for it: the script must exit 1 with the task's error, even
-- though the main chunk itself ran to its end.
k8s.go(function() error("the task's own failure") end)
local forever = k8s.go(function()
  for _ in k8s.client():CoreV1():ConfigMaps():Watch { labelSelector = "never=seen" } do end
end)
k8s.sleep(0.05)
assert(not forever:done())
print("main chunk done")
