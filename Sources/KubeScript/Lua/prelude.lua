local host = ...
local k8s = {}

k8s.null = host.null
local arraymt, objectmt = host.arraymt, host.objectmt

local function marker(mt, name)
  return function(t)
    if t == nil then t = {} end
    if type(t) ~= "table" then
      error(("bad argument #1 to '%s' (table expected, got %s)"):format(name, type(t)), 2)
    end
    return setmetatable(t, mt)
  end
end
k8s.array = marker(arraymt, "array")
k8s.object = marker(objectmt, "object")

k8s.json = { encode = host["json.encode"], decode = host["json.decode"] }
k8s.yaml = {
  encode = host["yaml.encode"], encodeAll = host["yaml.encodeAll"],
  decode = host["yaml.decode"], decodeAll = host["yaml.decodeAll"],
}
k8s.sleep = host.sleep
-- k8s.readdir(path): the names in a folder, sorted (without . and ..).
k8s.readdir = host.readdir

-- k8s.log.<level>(...): arguments joined by spaces as print does, tables as JSON.
local function render(v)
  if type(v) == "table" then
    local ok, s = pcall(k8s.json.encode, v)
    if ok then return s end
  end
  return tostring(v)
end
k8s.log = {}
for _, level in ipairs { "debug", "info", "warn", "error" } do
  k8s.log[level] = function(...)
    if not host.logenabled(level) then return end
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = render((select(i, ...))) end
    local info = debug.getinfo(2, "Sl")
    local where = info and info.currentline >= 0 and (info.short_src .. ":" .. info.currentline) or "?"
    host.log(level, where, table.concat(parts, " "))
  end
end

package.loaded.k8s = k8s
package.preload.k8s = function() return k8s end
_G.k8s = k8s

-- Only text chunks load: malformed bytecode can crash Lua itself.
local rawload, rawloadfile = load, loadfile
function load(chunk, chunkname, _, ...)
  if select("#", ...) > 0 then return rawload(chunk, chunkname, "t", (...)) end
  return rawload(chunk, chunkname, "t")
end
function loadfile(filename, _, ...)
  if select("#", ...) > 0 then return rawloadfile(filename, "t", (...)) end
  return rawloadfile(filename, "t")
end
function dofile(filename)
  local f = assert(loadfile(filename))
  return f()
end
-- require's Lua searcher, in text mode too (its C twin would load bytecode).
local searchpath = package.searchpath
package.searchers[2] = function(name)
  local path, notfound = searchpath(name, package.path)
  if not path then return notfound end
  local chunk, err = loadfile(path)
  if not chunk then
    error(("error loading module '%s' from file '%s':\n\t%s"):format(name, path, err), 3)
  end
  return chunk, path
end
-- The library shipped with kubescript (scripts/lib), compiled into it: searched after the
-- folders of package.path, so that a file there wins over the shipped copy.
table.insert(package.searchers, 3, function(name)
  local source, chunkname = host.library(name)
  if not source then return ("\n\tno module '%s' in kubescript's library"):format(name) end
  return assert(rawload(source, chunkname, "t")), chunkname
end)

local internal = {}

-- Sets package.path to the search path given, before Lua's own default paths.
local defaultpath = package.path
function internal.setpath(path)
  package.path = path .. ";" .. defaultpath
end

-- Sets the global `arg` as lua does: the script at 0, its arguments from 1, what came before
-- it at negative indices.
function internal.setarg(list, script)
  local arg = {}
  for i, v in ipairs(list) do arg[i - script] = v end
  _G.arg = arg
end

-- Adds a module to k8s when a script first reads a field k8s does not have: `source` (named
-- `chunkname`) is compiled and run then, with `primitives` and k8s, as the prelude is run, so
-- start-up pays nothing for what a script does not use.
-- What extensions run when a script's main chunk has returned (kubescript run and -e): the
-- tasks check for failures nobody waited for. An extension gets `atfinish` as its third argument.
local finishers = {}
local function atfinish(f) finishers[#finishers + 1] = f end
function internal.finish()
  for _, f in ipairs(finishers) do f() end
end

function internal.lazy(chunkname, source, primitives)
  setmetatable(k8s, { __index = function(t, key)
    setmetatable(t, nil)
    assert(rawload(source, chunkname, "t"))(primitives, t, atfinish)
    return rawget(t, key)
  end })
end

-- YAML with its keys coloured for a terminal.
local function colourYAML(text)
  return (text:gsub("([^\n]*)", function(line)
    local indent, dash, key, rest = line:match("^(%s*)(%-? ?)([^:%s][^:]*):(.*)$")
    if not key or key:find("[\"']") then return line end
    return indent .. dash .. "\27[36m" .. key .. "\27[0m:" .. rest
  end))
end

-- What the REPL shows for each value: values with a __tostring by it; other tables by
-- k8s.format when the client module gives one (lists of objects as tables), else as YAML, keys
-- coloured when `colour`; anything else with tostring.
function internal.show(colour, ...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    local text
    local mt = getmetatable(v)
    if type(mt) == "table" and mt.__tostring then
      text = tostring(v)
    elseif type(v) == "table" then
      local ok, s, format = pcall(k8s.format or k8s.yaml.encode, v)
      text = ok and s:gsub("\n$", "") or tostring(v)
      if ok and colour and format ~= "table" then text = colourYAML(text) end
    elseif type(v) == "string" then
      text = v
    else
      text = tostring(v)
    end
    out[#out + 1] = text
  end
  return table.concat(out, "\n")
end

return internal
