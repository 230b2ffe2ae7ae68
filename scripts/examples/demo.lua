#!/usr/bin/env kubescript run
-- demo.lua: render a Deployment and its Service for an app, as an automation script would
-- before applying them. Run: kubescript run scripts/examples/demo.lua [name] [replicas]
local labels = require "labels"

local name = arg[1] or "web"
local replicas = math.tointeger(tonumber(arg[2] or "3"))
if not replicas or replicas < 0 then
  io.stderr:write("usage: demo.lua [name] [replicas ≥ 0]\n")
  os.exit(2)
end

local match = { app = name, tier = "frontend" }

local deployment = {
  apiVersion = "apps/v1",
  kind = "Deployment",
  metadata = { name = name, labels = match, annotations = k8s.object() },
  spec = {
    replicas = replicas,
    selector = { matchLabels = match },
    template = {
      metadata = { labels = match },
      spec = {
        containers = {
          {
            name = name,
            image = "nginx:1.25",
            ports = { { containerPort = 80, name = "http" } },
            env = { { name = "GREETING", value = "hello from kubescript" } },
            readinessProbe = { httpGet = { path = "/", port = "http" }, periodSeconds = 5 },
          },
        },
      },
    },
  },
}

local service = k8s.yaml.decode(([[
apiVersion: v1
kind: Service
metadata:
  name: %s
spec:
  ports:
  - port: 80
    targetPort: http
]]):format(name))
service.spec.selector = match

k8s.log.info("rendered", deployment.kind, deployment.metadata.name, "with", replicas, "replicas")
print(k8s.yaml.encodeAll { deployment, service })

-- What a client would send: JSON, with integers kept integers.
local body = k8s.json.encode(deployment)
assert(math.type(k8s.json.decode(body).spec.replicas) == "integer")
print("# selector for kubectl get pods -l: " .. labels.selector(match))
