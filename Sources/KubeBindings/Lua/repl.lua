local _, k8s = ...
local support = {}

local keywords = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
                   "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while" }

local context

function support.start(options)
  local ok, c = pcall(k8s.client, options)
  if not ok then
    _G.c = nil
    return "no cluster (" .. tostring(c) .. "): k8s.client{...} or .context NAME to connect"
  end
  _G.c = c
  return ("c = k8s.client()  -- %s, namespace %s"):format(c:Server(), c:Namespace())
end

local help = [[
c                       the client for the current context (c:AppsV1():Deployments(), c:Get("po", name), ...)
.context NAME           a client for another kubeconfig context
.ns NAME                the same context, another namespace
.help                   this help
k8s.print(x [, fmt])    print as "table", "yaml" or "json"
Tab completes names, fields, methods and, in c:Get("kind", "..."), the cluster's object names.
Ctrl-C stops what runs (a watch, a wait); Ctrl-D exits.]]

function support.command(line)
  local name, argument = line:match("^%.(%a+)%s*(.-)%s*$")
  if name == "help" then return help end
  if name == "context" then
    if argument == "" then return "usage: .context NAME" end
    context = argument
    return support.start { context = argument }
  end
  if name == "ns" then
    if argument == "" then return _G.c and ("namespace " .. _G.c:Namespace()) or "no client" end
    return support.start { context = context, namespace = argument }
  end
  return ("unknown command .%s (.help lists them)"):format(tostring(name))
end

-- Evaluates a chain such as `c:AppsV1()` or `k8s.errors`: names, `.field`, and calls without
-- arguments; nothing else, so that Tab never runs code with effects beyond such getters.
local function evaluate(expression)
  local value
  local rest = expression
  local first = rest:match("^[%a_][%w_]*")
  if not first then return nil end
  value = _G[first]
  rest = rest:sub(#first + 1)
  while rest ~= "" do
    local sep, name, call = rest:match("^([%.:])([%a_][%w_]*)(%(?%)?)")
    if not sep then return nil end
    rest = rest:sub(#sep + #name + #call + 1)
    if value == nil then return nil end
    local ok, field = pcall(function() return value[name] end)
    if not ok then return nil end
    if call == "()" then
      if type(field) ~= "function" then return nil end
      local ok2, result
      if sep == ":" then ok2, result = pcall(field, value) else ok2, result = pcall(field) end
      if not ok2 then return nil end
      value = result
    elseif call == "" then
      if sep == ":" then return nil end
      value = field
    else
      return nil
    end
  end
  return value
end

local function keysOf(value, methodsOnly)
  local keys, seen = {}, {}
  local function add(t)
    for k, v in pairs(t) do
      if type(k) == "string" and not seen[k] and not k:match("^_") and (not methodsOnly or type(v) == "function") then
        seen[k] = true; keys[#keys + 1] = k
      end
    end
  end
  local depth = 0
  while value ~= nil and depth < 5 do
    if type(value) == "table" then add(value) end
    local mt = getmetatable(value)
    if type(mt) ~= "table" or type(mt.__index) ~= "table" then break end
    value = mt.__index
    depth = depth + 1
  end
  return keys
end

local function matching(list, word)
  local out = {}
  for _, s in ipairs(list) do if s:sub(1, #word) == word then out[#out + 1] = s end end
  table.sort(out)
  return out
end

function support.complete(line, word)
  -- object names: c:Get("deploy", "we  or  deployments:Get("we
  local receiver, kind = line:match("([%w_%.:%(%)]+):Get%(%s*[\"']([^\"']+)[\"']%s*,%s*[\"']([^\"']*)$")
  local names = {}
  local ok = false
  if receiver then
    local client = evaluate(receiver)
    if client then ok, names = pcall(function()
      local out = {}
      for _, o in ipairs(client:List(kind).items) do out[#out + 1] = o.metadata.name end
      return out
    end) end
  else
    receiver = line:match("([%w_%.:%(%)]+):Get%(%s*[\"']([^\"']*)$")
    if receiver then
      local resource = evaluate(receiver)
      if resource and resource.List then ok, names = pcall(function()
        local out = {}
        for _, o in ipairs(resource:List().items) do out[#out + 1] = o.metadata.name end
        return out
      end) end
    end
  end
  if receiver then return ok and matching(names, word) or {} end

  local prefix = line:sub(1, #line - #word)
  local expression, separator = prefix:match("([%a_][%w_%.:%(%)]*)([%.:])$")
  if expression then
    local value = evaluate(expression)
    if value == nil then return {} end
    return matching(keysOf(value, separator == ":"), word)
  end
  local candidates = keysOf(_G)
  for _, k in ipairs(keywords) do candidates[#candidates + 1] = k end
  return matching(candidates, word)
end

return support
