-- list-pods-clientset.lua: list Pods in every namespace with the typed client
-- (clientset.CoreV1().Pods("").List).
--   kubescript run --in-memory scripts/examples/list-pods-clientset.lua
local c = k8s.client()
local pods = c:CoreV1():Pods(""):List()    -- "" is every namespace, as in client-go
print(("There are %d pods in the cluster"):format(#pods.items))
for _, pod in ipairs(pods.items) do print(pod.metadata.namespace, pod.metadata.name) end
local ok, err = pcall(function() return c:CoreV1():Pods("default"):Get("example-xxxxx") end)
if not ok and k8s.errors.IsNotFound(err) then
  print("Pod example-xxxxx in namespace default not found")
end
