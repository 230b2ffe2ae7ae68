-- c:WaitForStatus against a fresh embedded cluster (with its controllers): a mix of kinds until
-- Current, a timeout that says what is missing, a Failed object ending the wait at once, and
-- waiting for deletions.

local function deployment(name)
  return { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = name },
           spec = { replicas = 2, selector = { matchLabels = { app = name } },
                    template = { metadata = { labels = { app = name } }, spec = { containers = { { name = "c", image = "nginx" } } } } } }
end

test("a Deployment, a Service and a ConfigMap become Current; onChange sees each change", function(t, c)
  local applied = c:Apply {
    deployment("web"),
    { apiVersion = "v1", kind = "Service", metadata = { name = "web" }, spec = { selector = { app = "web" }, ports = { { port = 80 } } } },
    { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "settings" }, data = { a = "1" } },
  }
  local changes = {}
  local entries = c:WaitForStatus(applied, { timeout = 30, onChange = function(entry, result)
    changes[#changes + 1] = entry.kind .. " " .. result.status
  end })
  t:eq(#entries, 3)
  for i, kind in ipairs { "Deployment", "Service", "ConfigMap" } do
    t:eq({ entries[i].kind, entries[i].status }, { kind, "Current" })
  end
  t:eq(entries[1].message, "Deployment is available. Replicas: 2")
  local sawDeploymentCurrent = false
  for _, change in ipairs(changes) do sawDeploymentCurrent = sawDeploymentCurrent or change == "Deployment Current" end
  t:ok(sawDeploymentCurrent, table.concat(changes, ", "))
end)

test("the timeout names what is not there yet and why", function(t, c)
  -- no controller binds claims in the embedded cluster: the claim stays Pending
  local claim = c:CoreV1():PersistentVolumeClaims():Create { metadata = { name = "data" },
    spec = { accessModes = { "ReadWriteOnce" }, resources = { requests = { storage = "1Gi" } } } }
  local settings = c:CoreV1():ConfigMaps():Create { metadata = { name = "fine" } }
  local err = t:raises(function() c:WaitForStatus({ claim, settings }, { timeout = 0.5 }) end, k8s.errors.IsTimeout)
  local expected = "waiting for 1 of 2 objects to be Current: PersistentVolumeClaim " .. c:Namespace() .. "/data: InProgress: PVC is not Bound"
  t:ok(tostring(err):find(expected, 1, true), tostring(err))
end)

test("an object that turns Failed ends the wait at once", function(t, c)
  c:Apply([[
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
]])
  local gadgets = c:Resource { group = "example.com", version = "v1", resource = "gadgets" }:Namespace(c:Namespace())
  local gadget = gadgets:Create { apiVersion = "example.com/v1", kind = "Gadget", metadata = { name = "g" } }
  gadget.status = { conditions = { { type = "Reconciling", status = "True", reason = "Building", message = "building" } } }
  gadget = gadgets:UpdateStatus(gadget)
  local waiting = k8s.go(function() return c:WaitForStatus({ gadget }, { timeout = 60 }) end)
  k8s.sleep(0.1)
  gadget.status = { conditions = { { type = "Stalled", status = "True", reason = "Broken", message = "it cannot be built" } } }
  gadgets:UpdateStatus(gadget)
  local ok, err = pcall(waiting.wait, waiting)
  t:ok(not ok and tostring(err):find("Gadget " .. c:Namespace() .. "/g: Failed: it cannot be built", 1, true), tostring(err))
end)

test("waiting for NotFound waits for deletions", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local made = { cms:Create { metadata = { name = "a" } }, cms:Create { metadata = { name = "b" } } }
  k8s.go(function()
    k8s.sleep(0.05)
    cms:Delete("a")
    cms:Delete("b")
  end)
  local entries = c:WaitForStatus(made, { status = "NotFound", timeout = 30 })
  t:eq({ entries[1].status, entries[2].status }, { "NotFound", "NotFound" })
end)
