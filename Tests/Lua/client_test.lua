-- The k8s client module against a fresh embedded cluster (with its controllers): each
-- function, each error predicate with the error the server really returns, and conflicts
-- RetryOnConflict resolves. (KubeModuleTests keeps what needs a special server: dry runs,
-- authentication, injected faults, options.)

local function deployment(name, replicas)
  return { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = name, labels = { app = name } },
           spec = { replicas = replicas or 1, selector = { matchLabels = { app = name } },
                    template = { metadata = { labels = { app = name } }, spec = { containers = { { name = "c", image = "nginx" } } } } } }
end
local function raises(fn, predicate, fragment)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  assert(getmetatable(err) == k8s.errors.Error, "an error value: " .. tostring(err))
  assert(predicate(err), "predicate: " .. tostring(err))
  if fragment then assert(tostring(err):find(fragment, 1, true), tostring(err)) end
  return err
end

test("the typed client: create, get, update, patch, apply, scale, status, delete, and the errors the server gives", function()
  local c = k8s.client()
  assert(c:Namespace() == "default")
  local deps = c:AppsV1():Deployments("default")
  local d = deps:Create(deployment("web", 2))
  assert(d.metadata.generation == 1 and math.type(d.spec.replicas) == "integer")
  local err = raises(function() deps:Create(deployment("web")) end, k8s.errors.IsAlreadyExists, 'deployments.apps "web" already exists')
  assert(err.code == 409 and err.reason == "AlreadyExists" and err.status.details.name == "web")
  assert(not k8s.errors.IsNotFound(err) and not k8s.errors.IsNotFound("a string") and not k8s.errors.IsNotFound(nil))
  raises(function() deps:Get("nope") end, k8s.errors.IsNotFound)
  raises(function() deps:Create(deployment("Bad_Name")) end, k8s.errors.IsInvalid)
  local stale
  k8s.RetryOnConflict(function()  -- the controllers may write between the read and the write
    stale = deps:Get("web")
    stale.spec.replicas = 3
    deps:Update(stale)
  end)
  raises(function() deps:Update(stale) end, k8s.errors.IsConflict)
  raises(function() deps:Patch("web", "json", { { op = "test", path = "/spec/replicas", value = 9 } }) end, k8s.errors.IsInvalid)
  local ok, message = pcall(deps.Patch, deps, "web", "sideways", {})
  assert(not ok and message:find('unknown patch type "sideways"', 1, true), message)
  -- a conflict RetryOnConflict resolves: the first try writes a stale copy
  -- (the controllers write the Deployment's status meanwhile: every read-modify-write
  -- below retries on conflict, as client-go code does)
  local tries, first = 0, deps:Get("web")
  k8s.RetryOnConflict(function()  -- someone else writes
    local other = deps:Get("web"); other.metadata.labels.touched = "yes"; deps:Update(other)
  end)
  k8s.RetryOnConflict(function()
    tries = tries + 1
    local current = tries == 1 and first or deps:Get("web")
    current.spec.replicas = 4
    deps:Update(current)
  end)
  assert(tries >= 2, "tries " .. tries)  -- the stale first copy conflicted
  assert(deps:Get("web").spec.replicas == 4)
  assert(deps:GetScale("web").spec.replicas == 4)
  k8s.RetryOnConflict(function()
    local scale = deps:GetScale("web"); scale.spec.replicas = 1
    assert(deps:UpdateScale("web", scale).spec.replicas == 1)
  end)
  k8s.RetryOnConflict(function()
    local s = deps:Get("web"); s.status = { observedGeneration = 42 }
    assert(deps:UpdateStatus(s).status.observedGeneration == 42)
  end)
  assert(deps:Patch("web", "merge", { metadata = { annotations = { a = "b" } } }).metadata.annotations.a == "b")
  assert(deps:Patch("web", "strategic", { spec = { template = { spec = { containers = { { name = "side", image = "envoy" } } } } } })
           .spec.template.spec.containers[2].name == "side")
  local applied = deps:Apply(deployment("applied", 2), { fieldManager = "me" })
  assert(applied.metadata.managedFields[1].operation == "Apply")
  raises(function() deps:Apply(deployment("applied", 5), { fieldManager = "you" }) end, k8s.errors.IsConflict, ".spec.replicas")
  assert(deps:Apply(deployment("applied", 5), { fieldManager = "you", force = true }).spec.replicas == 5)
  assert(#deps:List({ labelSelector = "app=web" }).items == 1)
  local marked = deps:Delete("web", { propagationPolicy = "Foreground" })
  assert(marked.kind == "Deployment" and marked.metadata.deletionTimestamp, "marked, not gone")
  raises(function() deps:Delete("applied", { propagationPolicy = "Sideways" }) end, k8s.errors.IsInvalid)
  assert(#deps:DeleteCollection(nil, { labelSelector = "app=applied" }).items == 1)
  -- cluster-scoped: no namespace (the node appears once the controllers have run)
  k8s.WaitFor(function() return c:CoreV1():Nodes():List() end, function(l) return #l.items == 1 end, { timeout = 5, interval = 0.1 })
  assert(c:CoreV1():Namespaces():Get("default").status.phase == "Active")
end)

test("the REST client, the dynamic client, discovery and the kubectl-style conveniences", function()
  local c = k8s.client()
  c:CoreV1():ConfigMaps("default"):Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "one" }, data = { a = "1" } }
  local rest = c:RESTClient { version = "v1" }
  local list = rest:Get():Namespace("default"):Resource("configmaps"):Param("limit", 1):Do():Into()
  assert(list.kind == "ConfigMapList" and #list.items == 1)
  local raw = rest:Get():AbsPath("/version"):Do():Raw()
  assert(raw:find('"gitVersion":"v1.24.0+0"', 1, true))
  local missing = rest:Get():Namespace("default"):Resource("configmaps"):Name("none"):Do()
  assert(missing:StatusCode() == 404 and k8s.errors.IsNotFound(missing:Error()))
  raises(function() missing:Into() end, k8s.errors.IsNotFound)
  raises(function() rest:Get():Name("a/b"):Do() end, function(e) return e.message:find("invalid resource name") end)
  assert(rest:Get():Namespace("default"):Resource("pods"):Name("web"):SubResource("log"):Param("tailLines", 5):Param("follow", false):URL()
         == "/api/v1/namespaces/default/pods/web/log?tailLines=5&follow=false")
  raises(function() rest:Get():Namespace("a"):Namespace("b"):Do() end, function(e) return e.message:find('namespace already set to "a"', 1, true) end)
  for _, bad in ipairs { "..", ".", "a%2Fb" } do
    raises(function() rest:Get():Resource("configmaps"):Name(bad):Do() end, function(e) return e.message:find("invalid resource name") end)
    raises(function() c:CoreV1():ConfigMaps():Get(bad) end, function(e) return e.message:find("invalid resource name") end)
  end
  local created = rest:Post():Namespace("default"):Resource("configmaps")
    :Body { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "two" } }:Do():Into()
  assert(created.metadata.name == "two")

  local r = c:Resource { group = "apps", version = "v1", resource = "deployments" }:Namespace("default")
  r:Create(deployment("dyn"))
  assert(r:Get("dyn").kind == "Deployment")
  local listedItem = r:List().items[1]  -- the server leaves kind out of items; the client fills it in, as client-go's dynamic client
  assert(listedItem.kind == "Deployment" and listedItem.apiVersion == "apps/v1", tostring(listedItem.kind))
  assert(#c:Resource { version = "v1", resource = "configmaps" }:List().items >= 2, "all namespaces")
  assert(#r:ListAll(nil, 1).items == 1)
  -- a resource discovery does not know is NotFound at once, as the Swift client says it
  raises(function() c:Resource { group = "example.com", version = "v1", resource = "gizmos" } end, k8s.errors.IsNotFound, "gizmos")

  local d = c:Discovery()
  assert(d:ServerVersion().gitVersion == "v1.24.0+0")
  local groups, lists = d:ServerGroupsAndResources()
  assert(#groups == 20 and #lists >= 30, #groups .. " " .. #lists)
  local apps = d:ServerResourcesForGroupVersion("apps/v1")
  local names = {}
  for _, res in ipairs(apps.resources) do names[res.name] = true end
  assert(names.deployments and names.statefulsets and names["deployments/scale"] and names["deployments/status"])
  for _, preferred in ipairs(d:ServerPreferredResources()) do
    for _, res in ipairs(preferred.resources) do assert(not res.name:find("/"), res.name) end
  end
  d:Invalidate()

  assert(c:Get("deploy", "dyn").metadata.name == "dyn")
  assert(#c:List("cm").items >= 2)
  assert(c:ResourceFor("deployments.apps"):Info().kind == "Deployment")
  local applied = c:Apply([[
apiVersion: v1
kind: ConfigMap
metadata: {name: from-yaml, namespace: default}
data: {x: "1"}
---
apiVersion: v1
kind: Namespace
metadata: {name: early}
]], { fieldManager = "tests" })
  assert(applied[1].kind == "Namespace" and applied[2].kind == "ConfigMap", "namespaces first")
  c:Delete(applied[2])
  raises(function() c:Get("cm", "from-yaml") end, k8s.errors.IsNotFound)
  raises(function() c:Get("gizmos", "x") end, k8s.errors.IsNotFound, "gizmos")
  local gv = k8s.ParseGroupVersion("apps/v1")
  assert(gv.group == "apps" and gv.version == "v1" and k8s.ParseGroupVersion("v1").group == "")
  assert(k8s.GroupVersionString(gv) == "apps/v1")
end)

test("watches from a resourceVersion, a 410, WaitForCondition and WaitFor", function()
  local c = k8s.client()
  local cms = c:CoreV1():ConfigMaps("default")
  local start = cms:List().metadata.resourceVersion
  cms:Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "watched" } }
  cms:Delete("watched")
  local seen = {}
  for event in cms:Watch { resourceVersion = start, fieldSelector = "metadata.name=watched", timeoutSeconds = 1 } do
    seen[#seen + 1] = event.type .. " " .. event.object.metadata.name
  end
  assert(#seen == 2 and seen[1] == "ADDED watched" and seen[2] == "DELETED watched", table.concat(seen, ","))
  raises(function() for _ in cms:Watch { resourceVersion = "1" } do end end, k8s.errors.IsGone)

  local d = c:AppsV1():Deployments("default"):Create(deployment("waited", 2))
  local ready = c:WaitForCondition(d, "Available", { timeout = 20 })
  assert(ready.status.availableReplicas == 2)
  local pods = k8s.WaitFor(function() return c:CoreV1():Pods("default"):List { labelSelector = "app=waited" } end,
                           function(list) return #list.items == 2 end, { timeout = 10, interval = 0.1 })
  assert(#pods.items == 2)
  raises(function() k8s.WaitFor(function() return 1 end, function() return false end, { timeout = 1, interval = 0.2 }) end,
         k8s.errors.IsTimeout, "timed out")
end)
