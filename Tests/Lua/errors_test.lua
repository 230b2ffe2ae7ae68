-- The error values the client raises, and their predicates, with the server's real answers.

test("a missing object is NotFound and nothing else", function(t, c)
  local err = t:raises(function() c:CoreV1():ConfigMaps():Get("missing") end, k8s.errors.IsNotFound)
  t:eq({ err.code, err.reason }, { 404, "NotFound" })
  t:eq(tostring(err), 'configmaps "missing" not found (NotFound)')
  t:ok(not k8s.errors.IsConflict(err) and not k8s.errors.IsNotFound("text"))
end)

test("RetryOnConflict gives up after DefaultRetry's five steps", function(t)
  local tries = 0
  local conflict = setmetatable({ code = 409, reason = "Conflict", message = "conflict" }, k8s.errors.Error)
  t:raises(function() k8s.RetryOnConflict(function() tries = tries + 1; error(conflict, 0) end) end, k8s.errors.IsConflict)
  t:eq(tries, 5)
end)
