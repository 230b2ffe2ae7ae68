-- Informers and work queues against a fresh embedded cluster. The relist after a 410 is tested
-- from Swift (InformerTests), where the server's faults can be injected.

local function configMap(name, labels, data)
  return { metadata = { name = name, labels = labels }, data = data or { v = "1" } }
end

test("handlers see the initial list, then adds, updates and deletes, once each", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  cms:Create(configMap("before", { app = "a" }))
  -- (the cluster's own kube-root-ca.crt comes in the list or just after it: left out)
  local informer = c:Informer(cms, { fieldSelector = "metadata.name!=kube-root-ca.crt" })
  local seen = {}
  informer:AddEventHandler {
    OnAdd = function(obj, initial) seen[#seen + 1] = ("add %s %s"):format(obj.metadata.name, tostring(initial)) end,
    OnUpdate = function(old, new) seen[#seen + 1] = ("update %s %s->%s"):format(new.metadata.name, old.data.v, new.data.v) end,
    OnDelete = function(obj) seen[#seen + 1] = "delete " .. obj.metadata.name end,
  }
  informer:Start()
  k8s.WaitForCacheSync(informer)
  t:ok(informer:HasSynced())
  cms:Create(configMap("after", { app = "b" }))
  cms:Patch("before", "merge", { data = { v = "2" } })
  cms:Delete("after")
  k8s.WaitFor(function() return #seen end, function(n) return n >= 4 end, { timeout = 10, interval = 0.01 })
  k8s.sleep(0.1)  -- nothing more comes
  t:eq(seen, { "add before true", "add after false", "update before 1->2", "delete after" })
  informer:Stop()
end)

test("the cache: store, lister with selectors, indexers; a late handler hears of every object", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  cms:Create(configMap("one", { tier = "web" }))
  cms:Create(configMap("two", { tier = "db" }))
  local informer = c:Informer(cms, { labelSelector = "tier" })
  informer:AddIndexers { byTier = function(obj) return { obj.metadata.labels and obj.metadata.labels.tier } end }
  informer:Start()
  k8s.WaitForCacheSync(informer)
  local ns = c:Namespace()
  t:eq(informer:Store():GetByKey(ns .. "/one").metadata.name, "one")
  t:eq(#informer:Store():List(), 2)
  local web = informer:Lister():List { labelSelector = "tier=web" }
  t:eq(#web, 1)
  t:eq(web[1].metadata.name, "one")
  t:eq(informer:Lister():Get("two", ns).metadata.labels.tier, "db")
  t:raises(function() informer:Lister():Get("none", ns) end, k8s.errors.IsNotFound)
  t:eq(#informer:Store():ByIndex("byTier", "db"), 1)
  cms:Patch("two", "merge", { metadata = { labels = { tier = "web" } } })
  k8s.WaitFor(function() return #informer:Store():ByIndex("byTier", "web") end, function(n) return n == 2 end, { timeout = 10, interval = 0.01 })
  t:eq(#informer:Store():ByIndex("byTier", "db"), 0)
  local late = {}
  informer:AddEventHandler { OnAdd = function(obj, initial) late[#late + 1] = tostring(initial) .. " " .. obj.metadata.name end }
  table.sort(late)
  t:eq(late, { "true one", "true two" })
  t:ok(c:Informer(cms, { labelSelector = "tier" }) == informer, "one shared informer per resource and selectors")
  t:ok(c:Informer(cms) ~= informer)
  informer:Stop()
end)

test("writing to a cached object is caught in detectMutations mode; k8s.deepcopy is the way", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  cms:Create(configMap("shared"))
  local informer = c:Informer(cms, { detectMutations = true })
  informer:AddEventHandler { OnUpdate = function(_, new) new.data.v = "changed in the cache" end }
  local task = informer:Start()
  k8s.WaitForCacheSync(informer)
  local copy = k8s.deepcopy(informer:Lister():Get("shared", c:Namespace()))
  copy.data.v = "a copy may change"
  t:eq(informer:Lister():Get("shared", c:Namespace()).data.v, "1")
  cms:Patch("shared", "merge", { data = { v = "2" } })
  cms:Patch("shared", "merge", { data = { v = "3" } })
  t:raises(function() task:wait() end, "a cached object was changed")
end)

test("a work queue hands a key to one worker at a time and again if it was added meanwhile", function(t)
  local q = k8s.workqueue { name = "test" }
  q:Add("a"); q:Add("b"); q:Add("a")
  t:eq(q:Len(), 2, "deduplicated")
  local first = q:Get()
  t:eq(first, "a")
  q:Add("a")  -- while it is processed
  t:eq(q:Len(), 1, "not queued while in flight")
  t:eq(q:Get(), "b")
  q:Done("a")
  t:eq(q:Len(), 1, "queued again after Done")
  t:eq(q:Get(), "a")
  q:Done("a"); q:Done("b")
  local got = {}
  local workers = {}
  for w = 1, 3 do
    workers[w] = k8s.go(function()
      while true do
        local item, shutdown = q:Get()
        if shutdown then return end
        got[#got + 1] = item
        k8s.sleep(0.01)
        q:Done(item)
      end
    end)
  end
  for i = 1, 10 do q:Add(i % 4) end
  k8s.WaitFor(function() return q:Len() end, function(n) return n == 0 end, { timeout = 5, interval = 0.01 })
  q:ShutDown()
  for _, w in ipairs(workers) do w:wait() end
  table.sort(got)
  t:eq(got, { 0, 1, 2, 3 })
  t:eq({ q:Get() }, { nil, true })
end)

test("backoff: per item 5 ms doubling to 1000 s, with a 10/s bucket of 100, by a fake clock", function(t)
  local now = 0
  local q = k8s.workqueue { name = "backoff", clock = function() return now end }
  local limiter = q.rateLimiter
  local waits = {}
  for i = 1, 4 do waits[i] = limiter:When("x") end
  t:eq(waits, { 0.005, 0.01, 0.02, 0.04 })
  for _ = 5, 30 do limiter:When("x") end
  t:eq(limiter:When("x"), 1000, "capped")
  t:eq(limiter:NumRequeues("x"), 31)
  limiter:Forget("x")
  t:eq(limiter:When("x"), 0.005)
  -- the bucket: 100 items at once (32 used above), then one per 0.1 s
  for i = 1, 68 do limiter:When("item" .. i) end
  t:ok(math.abs(limiter:When("next") - 0.1) < 1e-9)
  now = 10
  t:eq(limiter:When("later"), 0.005, "refilled")

  q:AddRateLimited("k")
  t:eq(q:Len(), 0, "not before its time")
  now = now + 0.01
  t:eq(q:Len(), 1)
  q:AddAfter("soon", 5)
  q:AddAfter("soon", 1)
  now = now + 1
  t:eq(q:Len(), 2, "the earliest AddAfter wins")
end)
