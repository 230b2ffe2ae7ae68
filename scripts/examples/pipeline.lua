-- pipeline.lua: what a deploy step of a CI pipeline does, in one script: show what would change,
-- apply the folder as an apply set (pruning what was removed from it), and wait until everything
-- is up, failing loudly with what is not.
--   kubescript run --in-memory scripts/examples/pipeline.lua [DIR] [timeout-seconds]
-- (`kubescript diff --applyset shop DIR` and `kubescript apply --applyset shop --prune --wait DIR`
-- do the same from a shell; see docs/deploying.md.)
local folder = arg[1] or (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/pipeline"
local timeout = tonumber(arg[2] or "120")
local c = k8s.client()

local objects = {}
for _, name in ipairs(k8s.readdir(folder)) do
  if name:match("%.ya?ml$") then
    local file = assert(io.open(folder .. "/" .. name))
    for _, o in ipairs(k8s.yaml.decodeAll(file:read("a"))) do objects[#objects + 1] = o end
    file:close()
  end
end

local set = c:ApplySet { name = "shop", namespace = c:Namespace() }
local diff, changes = c:Diff(set:Label(k8s.json.decode(k8s.json.encode(objects))))
print(("%d object(s) would change"):format(changes))
if changes > 0 then io.write(diff) end

local result = set:Apply(objects, { prune = true })
for _, p in ipairs(result.pruned) do print(("pruned %s/%s"):format(p.kind, p.name)) end

local ok, err = pcall(c.WaitForStatus, c, result.applied, { timeout = timeout, onChange = function(entry)
  print(("%-10s %-14s %-10s %s"):format(entry.kind, entry.name, entry.status, entry.message))
end })
if not ok then
  io.stderr:write("deploy failed: ", tostring(err), "\n")
  os.exit(1)
end
print(("deployed: %d objects Current, apply set %s"):format(#result.applied, set:ID()))
