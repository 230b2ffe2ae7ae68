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

test("k8s.format shows Services' addresses and StatefulSets' readiness", function(t, c)
  c:Apply([[
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25"}]}
]], { fieldManager = "test" })
  local services = k8s.format(c:CoreV1():Services(c:Namespace()):List(), "table")
  t:ok(services:match("^NAME +TYPE +CLUSTER%-IP +EXTERNAL%-IP +PORT%(S%) +AGE\n"), services)
  t:ok(services:match("\nweb +NodePort +10%.%d+%.%d+%.%d+ +<none> +80:30080/TCP +%d+s"), services)
  local sets = c:AppsV1():StatefulSets(c:Namespace())
  k8s.WaitFor(function() return sets:Get("web") end, function(s) return s.status.readyReplicas == 2 end, { timeout = 20 })
  local text = k8s.format(sets:List(), "table")
  t:ok(text:match("^NAME +READY +AGE\nweb +2/2 +%d+s"), text)
  local endpoints = k8s.format(c:CoreV1():Endpoints(c:Namespace()):List(), "table")
  t:ok(endpoints:match("\nweb +10%.244%.0%.%d+:80,10%.244%.0%.%d+:80 +%d+s"), endpoints)
end)

test("k8s.format prints the server's Table, and NAME and AGE where there is none", function(t, c)
  local listed = k8s.WaitFor(function() return c:CoreV1():Nodes():List() end, function(l) return #l.items > 0 end,
                             { timeout = 10, interval = 0.05 })  -- the simulated kubelet registers its node
  local nodes = k8s.format(listed, "table")
  t:ok(nodes:match("^NAME +STATUS +ROLES +AGE +VERSION\n%S+ +Ready +<none> +%w+ +v1%.24%.0$"), nodes)
  local namespaces = c:CoreV1():Namespaces():Table()
  t:eq(namespaces.kind, "Table")
  t:ok(k8s.format(namespaces):match("^NAME +STATUS +AGE\n"), k8s.format(namespaces))

  -- objects that did not come from the client: the columns every object has
  local made = { { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "local", creationTimestamp = os.date("!%Y-%m-%dT%H:%M:%SZ") } } }
  t:ok(k8s.format(made, "table"):match("^NAME +AGE\nlocal +%ds$"), k8s.format(made, "table"))

  -- a list with an object deleted since: not the Table of what is there now
  local cms = c:CoreV1():ConfigMaps()
  cms:Create { metadata = { name = "gone" } }
  local list = cms:List()
  t:ok(k8s.format(list, "table"):match("^NAME +DATA +AGE\n"), k8s.format(list, "table"))
  cms:Delete("gone")
  local text = k8s.format(list, "table")
  t:ok(text:match("^NAME +AGE\n") and text:match("\ngone +%d+s"), text)

  -- the Table of a Job, with the server's columns
  local jobs = c:BatchV1():Jobs()
  jobs:Create { metadata = { name = "once" }, spec = { template = { spec = { restartPolicy = "Never",
    containers = { { name = "c", image = "busybox" } } } } } }
  local jobTable = k8s.format(jobs:List(), "table")
  t:ok(jobTable:match("^NAME +COMPLETIONS +DURATION +AGE\nonce +%d/1 +"), jobTable)
end)

test("k8s.sha256 gives a text's digest in hex, bytes as they are", function(t)
  t:eq(k8s.sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  t:eq(k8s.sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  t:eq(#k8s.sha256("\0\255"), 64)
  t:raises(function() k8s.sha256({}) end, "bad argument #1")
end)
