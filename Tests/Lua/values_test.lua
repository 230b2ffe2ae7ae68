-- The value bridge, as scripts see it: JSON and YAML round trips keep null, empty objects and
-- arrays, integers and floats.

test("JSON round trips keep null, {} and [], integers and floats", function(t)
  local text = '{"a":null,"b":{},"c":[],"d":1,"e":1.5,"f":9007199254740993}'
  local value = k8s.json.decode(text)
  t:eq(value.a, k8s.null)
  t:eq(math.type(value.d), "integer")
  t:eq(math.type(value.e), "float")
  t:eq(value.f, 9007199254740993)
  t:eq(k8s.json.encode(value), text)
end)

test("YAML reads as Kubernetes reads it", function(t)
  t:eq(k8s.yaml.decode("a: yes\nb: 0755\nc: '1:20'\nd: ~\n"), { a = true, b = 493, c = "1:20", d = k8s.null })
  t:eq(#k8s.yaml.decodeAll("a: 1\n---\nb: 2\n"), 2)
  t:raises(function() k8s.yaml.decode("a: [") end, "invalid YAML")
end)

test("k8s.format renders lists of objects as kubectl's tables", function(t, c)
  local text = k8s.format(c:CoreV1():Namespaces():List(), "table")
  t:ok(text:match("^NAME +STATUS +AGE\ndefault +Active +%d+s"), text)
  t:eq(k8s.format({ a = 1 }, "json"), '{\n  "a": 1\n}')
end)
