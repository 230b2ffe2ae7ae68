-- list-pods-rest.lua: list Pods with the RESTClient, as client-go's rest.Request does.
--   kubescript run --in-memory scripts/examples/list-pods-rest.lua [namespace]
local c = k8s.client()
local namespace = arg[1] or "kube-system"
local result = c:RESTClient { group = "", version = "v1" }
  :Get():Namespace(namespace):Resource("pods"):Param("limit", 100):Do()
local pods = result:Into()                 -- raises the server's Status on a failure
print(("%d pods in %s (HTTP %d)"):format(#pods.items, namespace, result:StatusCode()))
for _, pod in ipairs(pods.items) do print(pod.metadata.name, pod.status.phase) end
