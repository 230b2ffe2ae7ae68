-- Tasks still running when the main chunk returns end with it (as goroutines end with main):
-- the script exits 0 at once instead of waiting for a watch that never ends.
local cms = k8s.client():CoreV1():ConfigMaps()
k8s.go(function() for _ in cms:Watch { labelSelector = "never=seen" } do end end)
k8s.go(function() k8s.sleep(600) end)
local cancelled = k8s.go(function() error("never seen: cancelled before it ran") end)
cancelled:cancel()
print(#k8s.map({ 1, 2, 3 }, function(i) return cms:List().kind .. i end))
