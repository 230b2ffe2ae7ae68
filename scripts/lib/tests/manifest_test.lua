local manifest = require "manifest"
local folder = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/fixtures/app"

test("load reads every document of every file, in file order", function(t)
  local kinds = {}
  for _, o in ipairs(manifest.load(folder)) do kinds[#kinds + 1] = o.kind end
  t:eq(kinds, { "Backup", "Deployment", "CustomResourceDefinition", "Namespace" })
end)

test("sort puts namespaces and CRDs first, custom resources last", function(t)
  local kinds = {}
  for _, o in ipairs(manifest.sort(manifest.load(folder))) do kinds[#kinds + 1] = o.kind end
  t:eq(kinds, { "Namespace", "CustomResourceDefinition", "Deployment", "Backup" })
end)

test("apply creates them all, in an order the server accepts", function(t, c)
  local applied = manifest.apply(c, folder, { fieldManager = "tests" })
  t:eq(#applied, 4)
  t:eq(c:Get("backups.stable.example.com", "nightly", "shop").spec.schedule, "0 2 * * *")
  t:eq(c:AppsV1():Deployments("shop"):Get("web").metadata.managedFields[1].manager, "tests")
end)

test("fixtures seed each test's fresh cluster", { fixtures = { "fixtures/config.yaml" } }, function(t, c)
  t:eq(c:CoreV1():ConfigMaps():Get("seeded").data, { mode = "fast" })
  t:raises(function() c:CoreV1():Namespaces():Get("shop") end, k8s.errors.IsNotFound)  -- not from the test before
end)
