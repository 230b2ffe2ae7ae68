-- two-watches.lua: watch a Deployment's ReplicaSets and Pods at once while it scales, merging
-- both streams into one through a channel.
--   kubescript run --in-memory scripts/examples/two-watches.lua [replicas]
local replicas = math.tointeger(tonumber(arg[1] or "2")) or 2
local c = k8s.client()
local events = k8s.channel(16)

-- each watcher is a task that sends what it sees; cancelling it ends its watch
local function watch(label, resource)
  return k8s.go(function()
    for event in resource:Watch { labelSelector = "app=pair", timeoutSeconds = 30 } do
      events:send(("%-10s %-8s %s"):format(label, event.type, event.object.metadata.name))
    end
  end)
end
local watchers = { watch("replicaset", c:AppsV1():ReplicaSets()), watch("pod", c:CoreV1():Pods()) }

c:AppsV1():Deployments():Create {
  metadata = { name = "pair" },
  spec = { replicas = replicas, selector = { matchLabels = { app = "pair" } },
           template = { metadata = { labels = { app = "pair" } }, spec = { containers = { { name = "web", image = "nginx" } } } } },
}

-- print until the ReplicaSet and every Pod have been seen
local seen, count = {}, 0
for line in events do
  print(line)
  local name = line:match("%S+$")
  if not seen[name] then seen[name], count = true, count + 1 end
  if count == replicas + 1 then break end
end
for _, w in ipairs(watchers) do w:cancel() end
events:close()
c:AppsV1():Deployments():Delete("pair")
