local host, k8s = ...

local Failure = {}
Failure.__index = Failure
Failure.__tostring = function(f) return f.message end

-- A failure raised at the caller's caller (the test's line).
local function fail(message, level)
  local info = debug.getinfo((level or 2) + 1, "Sl")
  local source = info and (info.source:match("^@(.*)") or info.short_src)
  local where = info and info.currentline and info.currentline > 0 and (source .. ":" .. info.currentline .. ": ") or ""
  error(setmetatable({ message = where .. message }, Failure), 0)
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if v == k8s.null then return "null" end
  if type(v) == "table" then
    local ok, text = pcall(k8s.json.encode, v)
    if ok then return #text > 120 and text:sub(1, 117) .. "..." or text end
  end
  return tostring(v)
end

-- The paths where two values differ, at most `limit` of them.
local function differences(actual, expected, path, out, depth)
  if #out >= 20 then return end
  if depth > 100 then out[#out + 1] = path .. ": nested too deep to compare"; return end
  if type(actual) == "table" and type(expected) == "table" and actual ~= k8s.null and expected ~= k8s.null then
    local keys, seen = {}, {}
    for k in pairs(expected) do keys[#keys + 1] = k; seen[k] = true end
    for k in pairs(actual) do if not seen[k] then keys[#keys + 1] = k end end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local sub = type(k) == "number" and ("%s[%d]"):format(path, k) or (path .. "." .. tostring(k))
      differences(actual[k], expected[k], sub, out, depth + 1)
    end
    return
  end
  if actual ~= expected and not (math.type(actual) and math.type(expected) and actual == expected) then
    out[#out + 1] = ("  %s: expected %s, got %s"):format(path == "" and "(value)" or path, show(expected), show(actual))
  end
end

local T = {}
T.__index = T

-- t:eq(actual, expected [, message]): equal values; tables compared member by member.
function T:eq(actual, expected, message)
  local out = {}
  differences(actual, expected, "", out, 0)
  if #out > 0 then fail((message and (message .. "\n") or "not equal:\n") .. table.concat(out, "\n")) end
end

-- t:ok(value [, message]): a true value.
function T:ok(value, message)
  if not value then fail(message or ("expected a true value, got " .. show(value))) end
  return value
end

-- t:raises(fn [, check]): fn raises; check is a predicate (k8s.errors.IsNotFound) or a text the
-- error's message contains. Returns the error.
function T:raises(fn, check)
  local ok, err = pcall(fn)
  if ok then fail("expected an error, but none was raised") end
  if type(check) == "function" and not check(err) then fail("the error does not satisfy the check: " .. tostring(err)) end
  if type(check) == "string" and not tostring(err):find(check, 1, true) then
    fail(("the error %q does not contain %q"):format(tostring(err), check))
  end
  return err
end

local function readFile(path)
  local f, err = io.open(path)
  if not f then error(err, 0) end
  local text = f:read("a")
  f:close()
  return text
end

local function describe(err)
  if getmetatable(err) == Failure then return err.message end
  return tostring(err)
end

return function(path)
  local folder = path:match("^(.*)/[^/]*$") or "."
  local tests = {}
  local previous = rawget(_G, "test")
  _G.test = function(name, options, fn)
    if fn == nil then fn, options = options, {} end
    if type(name) ~= "string" or type(fn) ~= "function" then
      error("usage: test(name, [{ fixtures = {...} },] function(t, c) ... end)", 2)
    end
    tests[#tests + 1] = { name = name, options = options or {}, fn = fn }
  end
  local chunk, loadError = loadfile(path)
  local ok, err = false, loadError
  if chunk then ok, err = xpcall(chunk, debug.traceback) end
  _G.test = previous
  if not ok then
    print(("FAIL  %s: %s"):format(path, tostring(err)))
    host.report(0, 1)
    return
  end
  local passed, failed = 0, 0
  for _, case in ipairs(tests) do
    local started = host.now()
    local cluster, namespace
    local setup, problem = pcall(function()
      cluster = host.cluster()
      if host.real() then
        local created = k8s.client():CoreV1():Namespaces():Create {
          apiVersion = "v1", kind = "Namespace", metadata = { generateName = "kubescript-test-" } }
        namespace = created.metadata.name
        host.usenamespace(namespace)
      end
      local c = k8s.client()
      for _, fixture in ipairs(case.options.fixtures or {}) do
        c:Apply(readFile(folder .. "/" .. fixture), { fieldManager = "kubescript-test" })
      end
      return c
    end)
    local result, message
    if not setup then
      result, message = false, "setting up: " .. describe(problem)
    else
      local c = problem
      result, message = xpcall(case.fn, function(e)
        if getmetatable(e) == Failure then return e.message end
        return debug.traceback(tostring(e), 2)
      end, setmetatable({ name = case.name }, T), c)
    end
    if namespace then
      pcall(function() k8s.client():CoreV1():Namespaces():Delete(namespace) end)
      host.usenamespace()
    end
    host.endcluster(cluster)
    local elapsed = host.now() - started
    if result then
      passed = passed + 1
      print(("PASS  %s: %s (%.2fs)"):format(path, case.name, elapsed))
    else
      failed = failed + 1
      print(("FAIL  %s: %s (%.2fs)"):format(path, case.name, elapsed))
      for line in tostring(message):gmatch("[^\n]+") do print("      " .. line) end
    end
  end
  host.report(passed, failed)
end
