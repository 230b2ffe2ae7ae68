--- labels: building label selectors, as kubectl's -l and client-go's labels package write them.
--
--   local labels = require "labels"
--   labels.selector{ app = "web", tier = { "frontend", "backend" } }  --> "app=web,tier in (backend,frontend)"
--   labels.selector{ env = { notin = { "dev" } }, canary = false }    --> "!canary,env notin (dev)"
--   labels.selector{ release = true }                                 --> "release"
--
-- A string value means `key=value`; a list means `key in (...)`; `{ notin = {...} }` means
-- `key notin (...)`; `{ ne = "v" }` means `key!=v`; true means the key exists, false that it
-- does not. Keys are sorted, so the same table always gives the same selector.
local labels = {}

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("label keys must be strings", 3) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

local function set(values)
  local copy = {}
  for i, v in ipairs(values) do copy[i] = tostring(v) end
  table.sort(copy)
  return "(" .. table.concat(copy, ",") .. ")"
end

--- Returns the selector string for a table of requirements.
function labels.selector(requirements)
  if type(requirements) ~= "table" then
    error(("bad argument #1 to 'selector' (table expected, got %s)"):format(type(requirements)), 2)
  end
  local parts = {}
  for _, key in ipairs(sorted_keys(requirements)) do
    local v = requirements[key]
    if v == true then
      parts[#parts + 1] = key
    elseif v == false then
      parts[#parts + 1] = "!" .. key
    elseif type(v) == "table" and v.notin then
      parts[#parts + 1] = key .. " notin " .. set(v.notin)
    elseif type(v) == "table" and v.ne then
      parts[#parts + 1] = key .. "!=" .. tostring(v.ne)
    elseif type(v) == "table" then
      parts[#parts + 1] = key .. " in " .. set(v)
    else
      parts[#parts + 1] = key .. "=" .. tostring(v)
    end
  end
  return table.concat(parts, ",")
end

return labels
