-- Tasks (k8s.go, k8s.all, k8s.map, channels, k8s.timeout) against a fresh embedded cluster.
-- Exit statuses and Ctrl-C are tested from Swift (TaskTests, InterruptTests).

test("50 tasks each create a ConfigMap and read it back", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local started = {}
  for i = 1, 50 do
    started[i] = k8s.go(function(n)
      cms:Create { metadata = { name = "cm-" .. n }, data = { n = tostring(n) } }
      return cms:Get("cm-" .. n).data.n
    end, i)
  end
  for i, task in ipairs(started) do t:eq(task:wait(), tostring(i)) end
  t:eq(#cms:List().items, 51)  -- and kube-root-ca.crt
end)

test("ListAll pages in several tasks at once, and a cancelled one ends", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  for i = 1, 5 do cms:Create { metadata = { name = "page-" .. i, labels = { paged = "yes" } } } end
  local counts = k8s.map({ 1, 2, 3 }, function(size)
    return #cms:ListAll({ labelSelector = "paged=yes" }, size).items
  end, { workers = 3 })
  t:eq(counts, { 5, 5, 5 })
  local listing = k8s.go(function() return cms:ListAll(nil, 1) end)
  k8s.sleep(0)  -- its first page is asked for
  listing:cancel()
  t:raises(function() listing:wait() end, k8s.errors.IsCanceled)
end)

test("k8s.map keeps the list's order with at most n calls in flight", function(t)
  local inFlight, most = 0, 0
  local doubled = k8s.map({ 5, 1, 4, 2, 3 }, function(v, i)
    inFlight = inFlight + 1
    most = math.max(most, inFlight)
    k8s.sleep(v / 100)
    inFlight = inFlight - 1
    return v * 2 + i / 10
  end, { workers = 2 })
  t:eq(doubled, { 10.1, 2.2, 8.3, 4.4, 6.5 })
  t:eq(most, 2)
  t:eq(#k8s.map({}, function() error("never called") end), 0)
end)

test("k8s.all returns the results in order and raises the first error, cancelling the rest", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local a, b = k8s.all { function() return "first" end, function() k8s.sleep(0.01) return "second" end }
  t:eq({ a, b }, { "first", "second" })
  local outcome = {}
  t:raises(function()
    k8s.all {
      function()
        local ok, err = pcall(k8s.sleep, 30)
        outcome.sleeper = ok and "slept" or err
      end,
      function() return cms:Get("missing") end,
    }
  end, k8s.errors.IsNotFound)
  k8s.sleep(0.05)  -- the cancelled task goes on to its end
  t:ok(k8s.errors.IsCanceled(outcome.sleeper), tostring(outcome.sleeper))
end)

test("two watches in two tasks each see their own events while a third task writes", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local function watcher(label, count)
    return k8s.go(function()
      local names = {}
      for event in cms:Watch { labelSelector = "w=" .. label, timeoutSeconds = 20 } do
        names[#names + 1] = event.object.metadata.name
        if #names == count then break end
      end
      return names
    end)
  end
  local one, two = watcher("one", 2), watcher("two", 3)
  k8s.go(function()
    for i = 1, 3 do
      cms:Create { metadata = { name = "two-" .. i, labels = { w = "two" } } }
      if i <= 2 then cms:Create { metadata = { name = "one-" .. i, labels = { w = "one" } } } end
    end
  end)
  t:eq(one:wait(), { "one-1", "one-2" })
  t:eq(two:wait(), { "two-1", "two-2", "two-3" })
end)

test("task:cancel() ends a watch: the wait raises a cancellation and the loop closes the watch", function(t, c)
  local watching = k8s.go(function()
    for _ in c:CoreV1():ConfigMaps():Watch { labelSelector = "never=seen" } do end
  end)
  k8s.sleep(0.05)
  t:ok(not watching:done())
  watching:cancel()
  t:raises(function() watching:wait() end, k8s.errors.IsCanceled)
  t:ok(watching:done())
end)

test("a task's error is raised by wait with the task's traceback", function(t)
  local failing = k8s.go(function() error("broken on purpose") end)
  local ok, err = pcall(failing.wait, failing)
  t:ok(not ok and err:find("broken on purpose", 1, true) and err:find("stack traceback", 1, true), err)
  t:ok(failing:done())
  t:raises(function() k8s.go(42) end, "function expected")
end)

test("channels: buffered, unbuffered, closed, and iterated", function(t)
  local ch = k8s.channel(2)
  local producer = k8s.go(function()
    for i = 1, 5 do ch:send(i) end
    ch:close()
  end)
  local got = {}
  for v in ch do got[#got + 1] = v end
  producer:wait()
  t:eq(got, { 1, 2, 3, 4, 5 })
  t:eq(ch:receive(), nil)
  t:raises(function() ch:send(6) end, "closed channel")

  local rendezvous, order = k8s.channel(), {}
  local sender = k8s.go(function()
    rendezvous:send("x")
    order[#order + 1] = "sent"
  end)
  k8s.sleep(0.01)
  t:eq(order, {}, "an unbuffered send waits for its receiver")
  order[#order + 1] = rendezvous:receive()
  sender:wait()
  t:eq(order, { "x", "sent" })
end)

test("k8s.timeout raises a Timeout error and cancels what ran too long", function(t)
  t:eq(k8s.timeout(5, function(a, b) return a + b end, 1, 2), 3)
  local cancelled
  t:raises(function()
    k8s.timeout(0.05, function()
      local ok, err = pcall(k8s.sleep, 10)
      cancelled = not ok and err
      error(err, 0)
    end)
  end, k8s.errors.IsTimeout)
  k8s.sleep(0.05)
  t:ok(k8s.errors.IsCanceled(cancelled))
end)

test("a call that cannot yield blocks as before instead of failing", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  cms:Create { metadata = { name = "b" } }
  cms:Create { metadata = { name = "a" } }
  local sorted = k8s.go(function()
    local names = { "b", "a" }
    -- a comparator runs inside table.sort, a C function: it cannot yield
    table.sort(names, function(x, y) return cms:Get(x).metadata.name < cms:Get(y).metadata.name end)
    return names
  end)
  t:eq(sorted:wait(), { "a", "b" })
end)

test("waiting for what nothing will wake is a deadlock error, not a hang", function(t)
  t:raises(function() k8s.channel():receive() end, "deadlock")
end)

test("c:Apply applies each stage at once, waiting for its CRDs; WaitForCondition takes a list", function(t, c)
  local applied = c:Apply([[
apiVersion: example.com/v1
kind: Gizmo
metadata: {name: g1, namespace: stage}
spec: {size: 3}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: stage}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: v1
kind: Namespace
metadata: {name: stage}
]], { fieldManager = "tests" })
  local kinds = {}
  for i, o in ipairs(applied) do kinds[i] = o.kind end
  t:eq(kinds, { "Namespace", "CustomResourceDefinition", "Gizmo", "ConfigMap" })
  t:eq(c:Resource { group = "example.com", version = "v1", resource = "gizmos" }:Namespace("stage"):Get("g1").spec.size, 3)

  local deployments = c:AppsV1():Deployments()
  local made = {}
  for i = 1, 2 do
    made[i] = deployments:Create { metadata = { name = "web-" .. i }, spec = { replicas = 1,
      selector = { matchLabels = { app = "web-" .. i } },
      template = { metadata = { labels = { app = "web-" .. i } }, spec = { containers = { { name = "c", image = "nginx" } } } } } }
  end
  local available = c:WaitForCondition(made, "Available", { timeout = 30 })
  t:eq(#available, 2)
  for i, d in ipairs(available) do
    t:eq(d.metadata.name, "web-" .. i)
    t:ok(k8s.ConditionHolds(d, "Available"))
  end
end)
