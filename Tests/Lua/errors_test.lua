-- The error values the client raises, and their predicates, with the server's real answers.

test("a missing object is NotFound and nothing else", function(t, c)
  local err = t:raises(function() c:CoreV1():ConfigMaps():Get("missing") end, k8s.errors.IsNotFound)
  t:eq({ err.code, err.reason }, { 404, "NotFound" })
  t:eq(err.message, 'configmaps "missing" not found')
  t:ok(tostring(err):match('errors_test%.lua:4: configmaps "missing" not found %(NotFound%)$'), tostring(err))
  t:ok(not k8s.errors.IsConflict(err) and not k8s.errors.IsNotFound("text"))
end)

test("RetryOnConflict gives up after DefaultRetry's five steps", function(t)
  local tries = 0
  local conflict = setmetatable({ code = 409, reason = "Conflict", message = "conflict" }, k8s.errors.Error)
  t:raises(function() k8s.RetryOnConflict(function() tries = tries + 1; error(conflict, 0) end) end, k8s.errors.IsConflict)
  t:eq(tries, 5)
end)

-- Every error the client raises points at the script's line that called, as error(msg, 2) does,
-- never at the client's own code ("[k8s client]:133:").
local function line(err) return tostring(err):match("errors_test%.lua:(%d+): ") end

test("errors point at the caller's line", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  local _, server = pcall(function() cms:Get("missing") end)
  t:eq(line(server), "24")
  local _, argument = pcall(k8s.client, { timeout = "soon" })                 -- raised in Swift
  t:eq(line(argument), "26")
  local _, name = pcall(function() cms:Get("a/b") end)                         -- raised in the client's Lua
  t:eq(line(name), "28")
  local _, patch = pcall(function() cms:Patch("x", "sideways", {}) end)
  t:eq(line(patch), "30")
  local _, watched = pcall(function() for _ in cms:Watch { resourceVersion = "1" } do end end)
  t:eq(line(watched), "32")
  local _, waited = pcall(function() k8s.WaitFor(function() return false end, function(v) return v end, { timeout = 0, interval = 0 }) end)
  t:eq(line(waited), "34")
  local _, nested = pcall(function() c:Get("configmaps", "missing") end)        -- through a convenience
  t:eq(line(nested), "36")
  for _, err in ipairs { server, argument, name, patch, watched, waited, nested } do
    t:ok(not tostring(err):find("[k8s client]", 1, true), tostring(err))
  end
end)
