-- Apply sets (KEP-3659) against a fresh embedded cluster: the parent's label and annotations as
-- kubectl writes them, pruning exactly the removed members, sets across namespaces, other tools'
-- sets refused. Interop with kubectl itself is tested from Swift (ApplySetTests).

local function configMap(name, namespace)
  return { apiVersion = "v1", kind = "ConfigMap", metadata = { name = name, namespace = namespace }, data = { k = name } }
end
local function deployment(name)
  return { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = name },
           spec = { selector = { matchLabels = { app = name } },
                    template = { metadata = { labels = { app = name } }, spec = { containers = { { name = "c", image = "nginx" } } } } } }
end

test("the parent and the members are labelled and annotated as kubectl does", function(t, c)
  local set = c:ApplySet { name = "myset", namespace = "default" }
  -- kubectl's id for Secret default/myset (base64url of the sha256 of "myset.default.Secret.")
  t:eq(set:ID(), "applyset-51uXdjs_k8zt9KVdAtPaWnW_O9B-EVzd2Bkztfa9DSA-v1")
  local result = set:Apply { configMap("one"), configMap("two"), deployment("web") }
  t:eq(#result.applied, 3)
  t:eq(#result.pruned, 0)
  local parent = c:CoreV1():Secrets("default"):Get("myset")
  t:eq(parent.metadata.labels["applyset.kubernetes.io/id"], set:ID())
  t:eq(parent.metadata.annotations, {
    ["applyset.kubernetes.io/tooling"] = "kubescript/v0.1.0",
    ["applyset.kubernetes.io/contains-group-kinds"] = "ConfigMap,Deployment.apps",
    ["applyset.kubernetes.io/additional-namespaces"] = "",
  })
  for _, name in ipairs { "one", "two" } do
    t:eq(c:CoreV1():ConfigMaps("default"):Get(name).metadata.labels["applyset.kubernetes.io/part-of"], set:ID())
  end
  t:eq(#set:Members(), 3)
  t:raises(function()
    set:Apply { { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "x", labels = { ["applyset.kubernetes.io/part-of"] = "mine" } } } }
  end, "already set in input data")
end)

test("applying again with prune deletes exactly the members no longer applied", function(t, c)
  local cms = c:CoreV1():ConfigMaps("default")
  cms:Create(configMap("bystander"))  -- same kind, not a member: never pruned
  local set = c:ApplySet { name = "release", namespace = "default", parent = "ConfigMap" }
  set:Apply { configMap("one"), configMap("two"), deployment("web") }
  local result = set:Apply({ configMap("one") }, { prune = true })
  local pruned = {}
  for _, p in ipairs(result.pruned) do pruned[#pruned + 1] = p.kind .. " " .. p.name end
  table.sort(pruned)
  t:eq(pruned, { "ConfigMap two", "Deployment web" })
  t:raises(function() cms:Get("two") end, k8s.errors.IsNotFound)
  t:ok(cms:Get("one") and cms:Get("bystander"))
  t:eq(cms:Get("release").metadata.annotations["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap")
  -- a dry run prunes nothing
  local dry = set:Apply({}, { prune = true, dryRun = "All" })
  t:eq(#dry.pruned, 1)
  t:ok(cms:Get("one"))
end)

test("a set spans namespaces, and prunes in each", function(t, c)
  c:CoreV1():Namespaces():Create { metadata = { name = "other" } }
  local set = c:ApplySet { name = "wide", namespace = "default" }
  set:Apply { configMap("here"), configMap("there", "other") }
  local parent = c:CoreV1():Secrets("default"):Get("wide")
  t:eq(parent.metadata.annotations["applyset.kubernetes.io/additional-namespaces"], "other")
  local result = set:Apply({ configMap("here") }, { prune = true })
  t:eq(#result.pruned, 1)
  t:eq({ result.pruned[1].namespace, result.pruned[1].name }, { "other", "there" })
  t:eq(c:CoreV1():Secrets("default"):Get("wide").metadata.annotations["applyset.kubernetes.io/additional-namespaces"], "")
end)

test("another tool's set is refused; Delete removes the members and the parent", function(t, c)
  local set = c:ApplySet { name = "mine", namespace = "default" }
  set:Apply { configMap("a"), configMap("b") }
  t:raises(function() c:ApplySet { name = "mine", namespace = "default", tooling = "helm/v3" }:Apply { configMap("a") } end,
           'managed by tooling "kubescript" instead of "helm"')
  t:eq(#set:Delete(), 2)
  t:raises(function() c:CoreV1():ConfigMaps("default"):Get("a") end, k8s.errors.IsNotFound)
  t:raises(function() c:CoreV1():Secrets("default"):Get("mine") end, k8s.errors.IsNotFound)
end)
