-- The value bridge's JSON rules (docs/values.md), through k8s.json as scripts use it: null, empty
-- objects and arrays, integers and floats keep their kind; what JSON cannot hold is an error that
-- names its place.

test("null is a sentinel that survives a round trip", function(t)
  local v = k8s.json.decode('{"a":null,"b":[null,1]}')
  t:eq(v.a, k8s.null)
  t:eq(v.b[1], k8s.null)
  t:eq(tostring(k8s.null), "k8s.null")
  t:eq(k8s.json.encode(v), '{"a":null,"b":[null,1]}')
end)

test("empty objects and arrays keep their kind, even when a script empties an array", function(t)
  t:eq(k8s.json.encode(k8s.json.decode('{"o":{},"a":[],"n":{"x":[]}}')), '{"a":[],"n":{"x":[]},"o":{}}')
  local l = k8s.json.decode('[1,2]'); table.remove(l); table.remove(l)
  t:eq(k8s.json.encode(l), "[]")
end)

test("tables a script builds are arrays or objects by their marker or their keys", function(t)
  t:eq(k8s.json.encode({}), "{}")
  t:eq(k8s.json.encode(k8s.array {}), "[]")
  t:eq(k8s.json.encode(k8s.object {}), "{}")
  t:eq(k8s.json.encode({ 1, 2, 3 }), "[1,2,3]")
  t:eq(k8s.json.encode({ x = 1 }), '{"x":1}')
  t:eq(k8s.json.encode(k8s.array { 'a' }), '["a"]')
  t:ok(getmetatable(k8s.array()) == getmetatable(k8s.json.decode('[]')), "k8s.array() is not a decoded array's kind")
end)

test("integers stay integers and int64's extremes round trip", function(t)
  local v = k8s.json.decode('{"replicas":3,"max":9223372036854775807,"min":-9223372036854775808,"zero":-0}')
  t:eq(math.type(v.replicas), "integer")
  t:eq(v.max, math.maxinteger)
  t:eq(v.min, math.mininteger)
  t:eq(math.type(v.zero), "integer")
  t:eq(k8s.json.encode(v), '{"max":9223372036854775807,"min":-9223372036854775808,"replicas":3,"zero":0}')
end)

test("numbers beyond int64 and numbers with fractions or exponents are floats", function(t)
  local v = k8s.json.decode('[9223372036854775808, 1.0, 1e2, 2.5E-3]')
  t:eq({ math.type(v[1]), math.type(v[2]), math.type(v[3]), math.type(v[4]) }, { "float", "float", "float", "float" })
  t:eq(v[4], 0.0025)
  t:eq(k8s.json.encode(v), "[9.223372036854776e+18,1.0,100.0,0.0025]")
end)

test("floats encode to text that decodes to the same float", function(t)
  local samples = { 0.1, -0.0, 1e-320, 2^-52, 1.7976931348623157e308, 2^-1022, 3.0, 1e21 }
  for _ = 1, 2000 do  -- any finite float: random bits, the exponent short of all ones, either sign
    local bits = (math.random(0) & 0x7FEFFFFFFFFFFFFF) | (math.random(0) & math.mininteger)
    samples[#samples + 1] = string.unpack("<d", string.pack("<i8", bits))
  end
  local back = k8s.json.decode(k8s.json.encode(samples))
  for i, v in ipairs(samples) do
    if math.type(back[i]) ~= "float" or back[i] ~= v or 1 / back[i] ~= 1 / v then
      t:ok(false, ("sample %d, %q, reads back as %s (%s)"):format(i, v, tostring(back[i]), math.type(back[i]) or type(back[i])))
    end
  end
  t:eq(#back, #samples)
end)

test("strings' escapes and Unicode decode and encode", function(t)
  local s = k8s.json.decode('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0001"')
  t:eq(s, 'a"b\\c/d\b\f\n\r\t\u{E9}\u{1F600}\1')
  t:eq(k8s.json.encode(s), '"a\\"b\\\\c/d\\b\\f\\n\\r\\t\u{E9}\u{1F600}\\u0001"')
  t:eq(k8s.json.decode('"\\ud800x"'), "\u{FFFD}x")
  t:eq(k8s.json.encode("line\0nul"), '"line\\u0000nul"')
end)

test("encode's indent option pretty-prints", function(t)
  t:eq(k8s.json.encode({ a = { 1, 2 }, b = {}, c = k8s.array() }, { indent = 2 }),
       '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {},\n  "c": []\n}')
end)

-- Encoding errors: each is a Lua error naming its place, none crashes.

test("encoding a cycle fails", function(t)
  local v = { a = {} }; v.a.b = v
  t:raises(function() k8s.json.encode(v) end, "cycle) (at a.b)")
end)

test("encoding NaN or an infinity fails", function(t)
  t:raises(function() k8s.json.encode({ x = 0 / 0 }) end, "cannot encode NaN (JSON has no such number) (at x)")
  t:raises(function() k8s.json.encode({ 1, math.huge }) end,
           "cannot encode an infinite number (JSON has no such number) (at [2])")
end)

test("encoding functions, userdata and threads fails", function(t)
  t:raises(function() k8s.json.encode({ spec = { f = print } }) end, "cannot encode a function value (at spec.f)")
  t:raises(function() k8s.json.encode(io.stdout) end, "cannot encode a userdata value")
  t:raises(function() k8s.json.encode(coroutine.create(print)) end, "cannot encode a thread value")
end)

test("encoding keys that are not strings, mixed tables and sparse arrays fails", function(t)
  t:raises(function() k8s.json.encode({ [true] = 1 }) end, "cannot encode a table key that is a boolean")
  t:raises(function() k8s.json.encode(k8s.object { 1 }) end, "cannot encode an object key that is a number")
  t:raises(function() k8s.json.encode({ 1, 2, x = 3 }) end, "mixes array items and string keys")
  t:raises(function() k8s.json.encode({ [1] = 1, [3] = 3 }) end, "sparse array")
  -- the same message whichever key `next` gives first (the order depends on the state's hash seed)
  t:raises(function() k8s.json.encode({ x = 1, [2] = 3 }) end, "mixes array items and string keys")
end)

test("encoding invalid UTF-8 fails", function(t)
  t:raises(function() k8s.json.encode({ metadata = { name = "a\xff" } }) end, "not valid UTF-8 (at metadata.name)")
  t:raises(function() k8s.json.encode({ ["\xc0\x80"] = 1 }) end, "not valid UTF-8")
  t:raises(function() k8s.json.encode("\xed\xa0\x80") end, "not valid UTF-8")  -- a surrogate
end)

test("encoding fails beyond 1000 levels of nesting, and not within them", function(t)
  t:raises(function() local v = {}; for _ = 1, 1001 do v = { v } end; k8s.json.encode(v) end,
           "nested deeper than 1000 levels")
  local v = {}; for _ = 1, 999 do v = { v } end
  t:eq(#k8s.json.encode(v), 2000)
end)

test("encoding an array with a hole fails", function(t)
  t:raises(function() local a = k8s.array { 1, 2, 3 }; a[2] = nil; k8s.json.encode(a) end, "hole")
end)

-- Decoding errors

test("bad JSON is an error that names line and column", function(t)
  t:raises(function() k8s.json.decode('{\n  "a": tru\n}') end, "invalid JSON at line 2, column 8")
  t:raises(function() k8s.json.decode('[1, 2,]') end, "line 1, column 7: unexpected ']', expected a value")
  t:raises(function() k8s.json.decode('{"a" 1}') end, "expected ':'")
  t:raises(function() k8s.json.decode('"abc') end, "unterminated string")
  t:raises(function() k8s.json.decode('01') end, "unexpected data after the JSON value")
  t:raises(function() k8s.json.decode('1e999') end, "number out of range")
  t:raises(function() k8s.json.decode('"\\x"') end, "invalid escape")
  t:raises(function() k8s.json.decode('"a\tb"') end, "control character")
  t:raises(function() k8s.json.decode('"\xff"') end, "invalid UTF-8")
  t:raises(function() k8s.json.decode('') end, "unexpected end of input")
  t:raises(function() k8s.json.decode('-') end, "expected a digit")
  t:raises(function() k8s.json.decode(42) end, "bad argument #1 to 'json.decode' (string expected, got number)")
end)

test("decoding fails beyond 1000 levels of nesting, and not within them", function(t)
  t:raises(function() k8s.json.decode(string.rep('[', 1001) .. string.rep(']', 1001)) end,
           "nested deeper than 1000 levels")
  t:eq(type(k8s.json.decode(string.rep('[', 1000) .. string.rep(']', 1000))), "table")
end)

-- Large values: decoding streams through a small tape in pieces.

-- Equal values of the same kinds: integers and floats, arrays and objects (by their metatables).
local function same(a, b)
  if type(a) ~= type(b) or math.type(a) ~= math.type(b) then return false end
  if type(a) ~= "table" then return a == b end
  if getmetatable(a) ~= getmetatable(b) then return false end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

test("a value of far more slots than one piece decodes to exactly what was encoded", function(t)
  -- escapes, nesting and empty containers across the pieces' boundaries
  local items = k8s.array()
  for i = 1, 3000 do
    items[i] = { name = "item-" .. i, quoted = 'say "hi"\n' .. i, n = i, f = i + 0.5,
                 deep = k8s.array { k8s.array { k8s.array { k8s.array(), {}, k8s.null } } }, list = k8s.array { i, -i } }
  end
  local text = k8s.json.encode({ items = items })
  local back = k8s.json.decode(text)
  t:ok(#text > 200000, "the text is only " .. #text .. " bytes")
  t:ok(same(back, { items = items }), "the decoded value differs from the encoded one")
  t:ok(k8s.json.encode(back) == text, "the decoded value encodes to other text")
end)

-- Real data

test("a recorded PodList keeps its integers, nulls and empty objects through a round trip", function(t)
  local folder = debug.getinfo(1, "S").source:match("^@(.*)/") or "."
  local f = assert(io.open(folder .. "/../Fixtures/k8s-transcripts/06-deployment-lifecycle.json"))
  local exchanges = k8s.json.decode(f:read("a")); f:close()
  local list = exchanges[7].response.body
  t:eq(list.kind, "PodList")
  local again = k8s.json.decode(k8s.json.encode(list))
  local pod = again.items[1]
  t:eq(#again.items, 2)
  t:eq(math.type(pod.spec.terminationGracePeriodSeconds), "integer")
  t:ok(pod.metadata.creationTimestamp ~= nil, "the pod has no creationTimestamp")
  t:eq(k8s.json.encode(pod.spec.securityContext), "{}")
  t:ok(getmetatable(again.items) == getmetatable(k8s.array()), "items is not an array")
end)
