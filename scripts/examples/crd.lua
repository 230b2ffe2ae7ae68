-- crd.lua: define a CustomResourceDefinition, wait until it is Established, then create, list
-- and patch custom resources with the dynamic client.
--   kubescript run --in-memory scripts/examples/crd.lua
local c = k8s.client()
local crd = c:Apply(k8s.yaml.decode [[
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: backups, singular: backup, kind: Backup, shortNames: [bk]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [schedule]
            properties:
              schedule: {type: string}
              keep: {type: integer, minimum: 1, default: 7}
          status:
            type: object
            properties:
              lastRun: {type: string}
]])[1]
c:WaitForCondition(crd, "Established", { timeout = 30 })
print("CRD established: " .. crd.metadata.name)

local backups = c:Resource { group = "stable.example.com", version = "v1", resource = "backups" }:Namespace("default")
backups:Create { apiVersion = "stable.example.com/v1", kind = "Backup", metadata = { name = "nightly" }, spec = { schedule = "0 2 * * *" } }
local ok, err = pcall(backups.Create, backups, { apiVersion = "stable.example.com/v1", kind = "Backup",
                                                 metadata = { name = "broken" }, spec = { keep = 0 } })
print("invalid backup refused:", not ok and k8s.errors.IsInvalid(err), err.message)

backups:Patch("nightly", "merge", { status = { lastRun = "2026-12-01T02:00:00Z" } }, nil, "status")
for _, b in ipairs(c:List("bk").items) do
  print(("%s: every %q, keep %d, last run %s"):format(b.metadata.name, b.spec.schedule, b.spec.keep, b.status and b.status.lastRun or "never"))
end
c:Delete(crd)
print("CRD deleted")
