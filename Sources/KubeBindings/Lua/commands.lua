-- `kubescript apply` and `kubescript diff`: what a CI pipeline calls. Each takes the command
-- line's options as a table and returns the exit status.
local host, k8s = ...

local commands = {}

local function stderr(text) io.stderr:write(text, "\n") end

-- The objects of FILEs and DIRs (a folder's *.yaml, *.yml and *.json, in name order, not
-- descending into subfolders, as kubectl without -R).
local function read(paths)
  local objects = {}
  local function add(path)
    local file = assert(io.open(path, "r"))
    local text = file:read("a")
    file:close()
    for _, o in ipairs(k8s.yaml.decodeAll(text)) do
      if type(o) == "table" and o.kind ~= nil then
        if o.items ~= nil and o.kind:match("List$") then
          for _, item in ipairs(o.items) do objects[#objects + 1] = item end
        else
          objects[#objects + 1] = o
        end
      end
    end
  end
  for _, path in ipairs(paths) do
    local isFolder, names = pcall(k8s.readdir, path)
    if isFolder then
      for _, name in ipairs(names) do
        if name:match("%.ya?ml$") or name:match("%.json$") then add(path .. "/" .. name) end
      end
    else
      add(path)
    end
  end
  return objects
end

-- "deployment.apps/web", as kubectl names what it applied.
local function named(o)
  local group = (o.apiVersion or ""):match("^(.+)/[^/]+$")
  return ("%s%s/%s"):format(o.kind:lower(), group and ("." .. group) or "", o.metadata.name)
end

-- What --wait shows while it waits: on a terminal a table redrawn in place (kind/name, status,
-- message), as kapp and kubectl rollout status do; otherwise a line per change.
local function progress(entries)
  local terminal, drawn = host.isatty(), 0
  return function(entry)
    if not terminal then
      print(("%s/%s: %s: %s"):format(entry.kind, entry.name, entry.status, entry.message))
      return
    end
    local rows = {}
    for i, e in ipairs(entries) do
      rows[i] = { ("%s/%s"):format(e.kind, e.name), e.status or "Unknown", e.message or "" }
    end
    local width = { 0, 0 }
    for _, row in ipairs(rows) do
      for c = 1, 2 do width[c] = math.max(width[c], utf8.len(row[c]) or #row[c]) end
    end
    local out = {}
    if drawn > 0 then out[1] = ("\27[%dA"):format(drawn) end
    for _, row in ipairs(rows) do
      out[#out + 1] = ("\27[2K%-" .. width[1] .. "s   %-" .. width[2] .. "s   %s\n"):format(row[1], row[2], row[3])
    end
    io.stdout:write(table.concat(out))
    io.stdout:flush()
    drawn = #rows
  end
end

-- apply{ paths =, applyset =, prune =, wait =, timeout = seconds, fieldManager =, force = }
function commands.apply(options)
  local ok, failure = pcall(function()
    local c = k8s.client()
    local objects = read(options.paths)
    if options.prune and not options.applyset then error("--prune needs --applyset NAME: only an apply set says what to prune", 0) end
    local applied, pruned
    if options.applyset then
      local result = c:ApplySet { name = options.applyset, namespace = c:Namespace(), fieldManager = options.fieldManager }
        :Apply(objects, { prune = options.prune, force = options.force })
      applied, pruned = result.applied, result.pruned
    else
      applied, pruned = c:Apply(objects, { fieldManager = options.fieldManager or "kubescript", force = options.force }), {}
    end
    for _, o in ipairs(applied) do print(named(o) .. " serverside-applied") end
    for _, p in ipairs(pruned) do print(("%s/%s pruned"):format(p.kind:lower(), p.name)) end
    if options.wait and #applied > 0 then
      local entries = {}
      for i, o in ipairs(applied) do entries[i] = { kind = o.kind, name = o.metadata.name, status = "Unknown", message = "" } end
      local show = progress(entries)
      c:WaitForStatus(applied, { timeout = options.timeout, onChange = function(entry)
        for _, e in ipairs(entries) do
          if e.kind == entry.kind and e.name == entry.name then e.status, e.message = entry.status, entry.message end
        end
        show(entry)
      end })
      print(("all %d objects are Current"):format(#applied))
    end
  end)
  if ok then return 0 end
  stderr("kubescript apply: " .. tostring(failure))
  return 1
end

-- diff{ paths =, applyset =, fieldManager = } → 0 when nothing would change, 1 when something
-- would, 2 on an error, as kubectl diff. With an apply set, the objects carry its label, as apply
-- would send them.
function commands.diff(options)
  local ok, text, count = pcall(function()
    local c = k8s.client()
    local objects = read(options.paths)
    if options.applyset then c:ApplySet { name = options.applyset, namespace = c:Namespace() }:Label(objects) end
    return c:Diff(objects, { fieldManager = options.fieldManager })
  end)
  if not ok then
    stderr("kubescript diff: " .. tostring(text))
    return 2
  end
  io.stdout:write(text)
  return count > 0 and 1 or 0
end

-- run(name, options) → the exit status of command `name`.
return function(name, options) return commands[name](options) end
