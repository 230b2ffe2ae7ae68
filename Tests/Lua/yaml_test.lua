-- The value bridge's YAML rules, through k8s.yaml as scripts use it: go-yaml v2's reading of
-- scalars, merge keys and aliases (with bounds), errors that say where, and encoding that reads
-- back the same.

test("scalars resolve as Kubernetes reads them", function(t)
  local v = k8s.yaml.decode [[
replicas: 3
ratio: 0.5
enabled: yes
mode: 0755
hex: 0x1F
empty:
tilde: ~
quoted: "3"
when: 2026-11-23T06:18:47Z
]]
  t:eq(math.type(v.replicas), "integer")
  t:eq(v.replicas, 3)
  t:eq(math.type(v.ratio), "float")
  t:eq(v.ratio, 0.5)
  t:eq(v.enabled, true)
  t:eq(math.type(v.mode), "integer")
  t:eq(v.mode, 493)
  t:eq(math.type(v.hex), "integer")
  t:eq(v.hex, 31)
  t:eq(v.empty, k8s.null)
  t:eq(v.tilde, k8s.null)
  t:eq(v.quoted, "3")
  t:eq(v.when, "2026-11-23T06:18:47Z")
end)

test("encoding sorts keys, quotes ambiguous strings and keeps empty lists, objects, floats and null", function(t)
  local text = k8s.yaml.encode({ kind = "ConfigMap", apiVersion = "v1",
    data = { a = "true", b = "123", c = "line1\nline2\n", d = "plain" },
    list = k8s.array(), obj = {}, n = 1.0, z = k8s.null })
  t:eq(text, [[
apiVersion: v1
data:
  a: 'true'
  b: '123'
  c: |
    line1
    line2
  d: plain
kind: ConfigMap
list: []
'n': 1.0
obj: {}
z: null
]])
end)

test("a YAML round trip keeps integers, floats, nulls and empty lists and objects", function(t)
  local text = '{"a":[],"b":{},"c":null,"d":9223372036854775807,"e":2.5,"f":3.0,"g":"yes","h":[{"x":-1}]}'
  local back = k8s.yaml.decode(k8s.yaml.encode(k8s.json.decode(text)))
  t:eq(k8s.json.encode(back), text)
  t:eq(math.type(back.f), "float")
end)

test("decodeAll reads every document, decode wants exactly one, and encodeAll writes them all", function(t)
  local text = "kind: Namespace\n---\nkind: Service\n---\n---\nkind: Pod\n"
  local docs = k8s.yaml.decodeAll(text)
  t:eq(#docs, 3)
  t:eq(docs[3].kind, "Pod")
  t:eq(pcall(k8s.yaml.decode, text), false)
  t:eq(k8s.json.encode(k8s.yaml.decodeAll("")), "[]")
  t:eq(k8s.yaml.encodeAll({ { a = 1 }, { b = 2 } }), "a: 1\n---\nb: 2\n")
  t:raises(function() k8s.yaml.decode("a: 1\n---\nb: 2") end, "expected one YAML document, found more")
  t:raises(function() k8s.yaml.decode("") end, "expected one YAML document, found none")
end)

test("merge keys and aliases take the anchored values", function(t)
  local v = k8s.yaml.decode("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\nl: [*b]\n")
  t:eq({ math.type(v.d.x), math.type(v.d.y), math.type(v.l[1].y) }, { "integer", "integer", "integer" })
  t:eq({ v.d.x, v.d.y, v.l[1].y }, { 1, 3, 2 })
end)

test("bad YAML is an error that says what and where", function(t)
  t:raises(function() k8s.yaml.decode("a: 1\nb: [1, 2\n") end, "invalid YAML:")
  t:raises(function() k8s.yaml.decode("a: 1\n  b: 2\n") end, "at line 2")
  t:raises(function() k8s.yaml.decode("? [1, 2]\n: x\n") end, "mapping key must be a scalar")
  t:raises(function() k8s.yaml.decode("a: 1\na: 2\n") end, "invalid YAML")
end)

test("an alias bomb is refused", function(t)
  -- a: ten scalars; b to i: ten aliases each of the one before (10^9 values in all)
  local lines = { "a: &a [x, x, x, x, x, x, x, x, x, x]" }
  for i = 1, 8 do
    local previous, name = string.char(("a"):byte() + i - 1), string.char(("a"):byte() + i)
    lines[#lines + 1] = ("%s: &%s [%s]"):format(name, name, ("*" .. previous):rep(10, ", "))
  end
  local bomb = table.concat(lines, "\n") .. "\n"
  t:raises(function() k8s.yaml.decode(bomb) end, "expands too much")
end)

test("YAML 1.1 base-60 numbers are strings, as go-yaml v2 reads them", function(t)
  t:eq(k8s.json.encode(k8s.yaml.decode("a: 1:20\nb: 1:0:0:0:0:0:0:0:0:0:0\nc: 999999999999999999:0\nd: 1:30.5")),
       '{"a":"1:20","b":"1:0:0:0:0:0:0:0:0:0:0","c":"999999999999999999:0","d":"1:30.5"}')
end)

test("chains of merge keys are bounded", function(t)
  local lines = { "a0: &a0 {x: 1}" }
  for i = 1, 39 do lines[#lines + 1] = ("a%d: &a%d {<<: [*a%d, *a%d]}"):format(i, i, i - 1, i - 1) end
  local chain = table.concat(lines, "\n") .. "\n"
  t:raises(function() k8s.yaml.decode(chain) end, "expands too much")
end)

test("encoding what YAML cannot hold is an error that names it", function(t)
  t:raises(function() k8s.yaml.encode({ f = print }) end, "cannot encode a function value (at f)")
  t:raises(function() k8s.yaml.encode({ s = "\xff" }) end, "not valid UTF-8")
  t:raises(function() k8s.yaml.encodeAll(42) end, "a list of documents expected")
end)

-- What decodes also encodes: byte order marks and control characters are kept as go-yaml keeps
-- them, no value JSON cannot hold is made, and invalid UTF-8 is refused as json.decode refuses it.

test("escaped byte order marks, control characters and line separators are kept", function(t)
  local v = k8s.yaml.decode [[
a: "\uFEFF"
b: "x\x01\ty"
c: "\u0085\u2028"
]]
  t:eq(#v.a, 3)
  t:eq(v.a, "\u{FEFF}")
  t:eq(v.b, "x\1\ty")
  t:eq(v.c, "\u{85}\u{2028}")
  t:eq(k8s.yaml.decode(k8s.yaml.encode(v)).a, v.a)
  t:eq(k8s.yaml.decode(k8s.yaml.encode(v)).b, v.b)
end)

test("numbers JSON cannot hold are refused, or kept as text when out of range", function(t)
  for _, text in ipairs { ".inf", "-.Inf", "+.INF", ".nan", ".NaN" } do
    t:raises(function() k8s.yaml.decode("a: " .. text) end,
             "invalid YAML: " .. text .. " at line 1 is not a number JSON can hold")
  end
  -- go-yaml keeps a number out of range as text; it encodes back as the same text
  local v = k8s.yaml.decode("a: 1e400")
  t:eq(v.a, "1e400")
  t:eq(k8s.yaml.encode(v), "a: '1e400'\n")
  local float = k8s.yaml.decode("a: !!float 1")
  t:eq(float, { a = 1.0 })
  t:eq(math.type(float.a), "float")
  t:eq(k8s.json.encode(float), '{"a":1.0}')
end)

test("invalid UTF-8 is refused by yaml.decode and json.decode", function(t)
  t:raises(function() k8s.yaml.decode("a: \xff\xfe") end, "invalid YAML: invalid leading UTF-8 octet")
  t:raises(function() k8s.yaml.decode("a: 'x\xc3'") end, "invalid YAML: ")
  t:raises(function() k8s.json.decode('"\xff"') end, "invalid UTF-8")
end)

test("go-yaml v2's words resolve: y and n are booleans, 08 a float, 0o17 octal", function(t)
  t:eq(k8s.json.encode(k8s.yaml.decode("a: y\nb: N\nc: 08\nd: 0o17\ne: 0b11\nf: -0x1F\ng: 1_000\nh: +.5e1")),
       '{"a":true,"b":false,"c":8.0,"d":15,"e":3,"f":-31,"g":1000,"h":5.0}')
end)
