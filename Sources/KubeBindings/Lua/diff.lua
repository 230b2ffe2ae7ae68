-- c:Diff(objects): what applying would change, as `kubectl diff --server-side` shows it: each
-- object applied with a server-side dry run, and a unified diff of the live object against that
-- result, both as YAML without what the server fills in (managedFields, resourceVersion,
-- generation, status). Secrets' values are masked as kubectl masks them.
local k8s, internal = ...
local Client, resourceOf, nameOf = internal.Client, internal.resourceOf, internal.nameOf

-- What the server fills in and a diff leaves out.
local function comparable(object)
  if object == nil then return nil end
  local copy = k8s.json.decode(k8s.json.encode(object))
  copy.status = nil
  if type(copy.metadata) == "table" then
    copy.metadata.managedFields, copy.metadata.resourceVersion, copy.metadata.generation = nil, nil, nil
  end
  return copy
end

-- kubectl's masker: a Secret's values become "***", or "*** (before)" and "*** (after)" where
-- they differ, so a diff shows which keys change and never what they hold.
local function mask(live, merged)
  local function values(o, field) return o and type(o[field]) == "table" and o[field] or nil end
  for _, field in ipairs { "data", "stringData" } do
    local before, after = values(live, field), values(merged, field)
    local keys = {}
    for key in pairs(before or {}) do keys[key] = true end
    for key in pairs(after or {}) do keys[key] = true end
    for key in pairs(keys) do
      local changed = before and after and before[key] ~= after[key]
      if before and before[key] ~= nil then before[key] = changed and "*** (before)" or "***" end
      if after and after[key] ~= nil then after[key] = changed and "*** (after)" or "***" end
    end
  end
end

local function lines(text)
  local list = {}
  for line in (text or ""):gmatch("([^\n]*)\n") do list[#list + 1] = line end
  return list
end

-- The edit script turning lines a into lines b, as { op = " " | "-" | "+", text } items: the
-- common head and tail kept, the middle by longest common subsequence (objects' YAML differ in a
-- few places); a middle too large for that (beyond 4 million line pairs) is replaced whole,
-- still a correct diff, if not the shortest.
local function editScript(a, b)
  local head, tail = 0, 0
  while head < #a and head < #b and a[head + 1] == b[head + 1] do head = head + 1 end
  while tail < #a - head and tail < #b - head and a[#a - tail] == b[#b - tail] do tail = tail + 1 end
  local script = {}
  for i = 1, head do script[#script + 1] = { op = " ", text = a[i] } end
  local n, m = #a - head - tail, #b - head - tail
  if n * m <= 4e6 then
    -- lcs[i][j]: the longest common subsequence of a's middle from i and b's middle from j
    local lcs = {}
    for i = n + 1, 1, -1 do
      local row, below = {}, lcs[i + 1]
      for j = m + 1, 1, -1 do
        if i > n or j > m then row[j] = 0
        elseif a[head + i] == b[head + j] then row[j] = below[j + 1] + 1
        else row[j] = math.max(below[j], row[j + 1]) end
      end
      lcs[i] = row
    end
    local i, j = 1, 1
    while i <= n or j <= m do
      if i <= n and j <= m and a[head + i] == b[head + j] then
        script[#script + 1] = { op = " ", text = a[head + i] }; i, j = i + 1, j + 1
      elseif i <= n and (j > m or lcs[i + 1][j] >= lcs[i][j + 1]) then
        -- removals before additions, as diff -u writes a replaced line
        script[#script + 1] = { op = "-", text = a[head + i] }; i = i + 1
      else
        script[#script + 1] = { op = "+", text = b[head + j] }; j = j + 1
      end
    end
  else
    for i = 1, n do script[#script + 1] = { op = "-", text = a[head + i] } end
    for j = 1, m do script[#script + 1] = { op = "+", text = b[head + j] } end
  end
  for i = #a - tail + 1, #a do script[#script + 1] = { op = " ", text = a[i] } end
  return script
end

-- k8s.unifiedDiff(oldName, newName, oldText, newText): a unified diff with 3 lines of context,
-- as `diff -u` writes it; "" when the texts are the same.
local function unified(oldName, newName, oldText, newText)
  local script = editScript(lines(oldText), lines(newText))
  local changes = {}
  for index, e in ipairs(script) do if e.op ~= " " then changes[#changes + 1] = index end end
  if #changes == 0 then return "" end
  local out = { "--- " .. oldName, "+++ " .. newName }
  local c = 1
  while c <= #changes do
    -- a hunk: changes less than 7 lines apart, with 3 lines of context around them
    local last = c
    while last < #changes and changes[last + 1] - changes[last] <= 7 do last = last + 1 end
    local first, final = math.max(1, changes[c] - 3), math.min(#script, changes[last] + 3)
    local oldBefore, newBefore = 0, 0
    for index = 1, first - 1 do
      if script[index].op ~= "+" then oldBefore = oldBefore + 1 end
      if script[index].op ~= "-" then newBefore = newBefore + 1 end
    end
    local oldCount, newCount, body = 0, 0, {}
    for index = first, final do
      local e = script[index]
      body[#body + 1] = e.op .. e.text
      if e.op ~= "+" then oldCount = oldCount + 1 end
      if e.op ~= "-" then newCount = newCount + 1 end
    end
    out[#out + 1] = ("@@ -%d,%d +%d,%d @@"):format(oldCount == 0 and oldBefore or oldBefore + 1, oldCount,
                                                   newCount == 0 and newBefore or newBefore + 1, newCount)
    for _, line in ipairs(body) do out[#out + 1] = line end
    c = last + 1
  end
  return table.concat(out, "\n") .. "\n"
end
k8s.unifiedDiff = unified

-- c:Diff(objectsOrYAML [, { fieldManager = }]) → the unified diff of every object that would
-- change ("" when none would), and how many would.
function Client:Diff(input, options)
  options = options or {}
  local objects = internal.objectsArgument(input, "Diff")
  local results = k8s.map(objects, function(o)
    local r = resourceOf(self, o)
    local name = nameOf(o)
    local ok, live = pcall(r.Get, r, name)
    if not ok then
      if not k8s.errors.IsNotFound(live) then error(live, 0) end
      live = nil
    end
    local merged = r:Apply(o, { dryRun = "All", force = true, fieldManager = options.fieldManager or "kubescript" })
    live, merged = comparable(live), comparable(merged)
    if o.kind == "Secret" then mask(live, merged) end
    local info = r:Info()
    local file = ("%s.%s.%s.%s"):format(info.group == "" and "v1" or (info.group .. "." .. info.version), o.kind,
                                       r._r:namespace() or "", name):gsub("%.%.", ".")
    return unified("live/" .. file, "merged/" .. file, live and k8s.yaml.encode(live) or "", k8s.yaml.encode(merged))
  end, { workers = 8 })
  local count = 0
  for _, text in ipairs(results) do if text ~= "" then count = count + 1 end end
  return table.concat(results), count
end

