-- check-contexts.lua: the same check on several clusters at once: which of them run a
-- Deployment's image older than the one given.
--   kubescript run check-contexts.lua IMAGE [CONTEXT ...]    (no contexts: the current one)
--   kubescript run --in-memory scripts/examples/check-contexts.lua nginx:1.25
local wanted = arg[1] or "nginx:1.25"
local contexts = { table.unpack(arg, 2) }
if #contexts == 0 then contexts = { false } end  -- the current context

local reports = k8s.map(contexts, function(context)
  local c = context and k8s.client { context = context } or k8s.client()
  local stale = {}
  for _, d in ipairs(c:AppsV1():Deployments(""):List().items) do
    for _, container in ipairs(d.spec.template.spec.containers) do
      if container.image ~= wanted then
        stale[#stale + 1] = ("%s/%s: %s"):format(d.metadata.namespace, d.metadata.name, container.image)
      end
    end
  end
  return { cluster = context or c:Server(), stale = stale }
end, { workers = #contexts })

for _, report in ipairs(reports) do
  print(("%s: %d container(s) not on %s"):format(report.cluster, #report.stale, wanted))
  for _, line in ipairs(report.stale) do print("  " .. line) end
end
