local labels = require "labels"

test("a selector as kubectl's -l takes it, keys sorted", function(t)
  t:eq(labels.selector { app = "web", tier = { "b", "a" }, env = { notin = { "dev" } }, canary = false, release = true, v = { ne = 2 } },
       "app=web,!canary,env notin (dev),release,tier in (a,b),v!=2")
end)

test("the selector selects what it says, on a cluster", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  for i, tier in ipairs { "frontend", "backend", "batch" } do
    cms:Create { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "cm-" .. i, labels = { app = "shop", tier = tier } } }
  end
  local selected = cms:List { labelSelector = labels.selector { app = "shop", tier = { "frontend", "backend" } } }
  t:eq(#selected.items, 2)
  t:raises(function() labels.selector { [1] = "x" } end, "label keys must be strings")
end)
