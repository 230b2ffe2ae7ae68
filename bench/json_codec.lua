-- bench/json_codec.lua: decode and encode throughput of kubescript's JSON codec and of
-- lua-cjson (Debian's lua-cjson, loaded into the same Lua 5.4), on a generated PodList.
--
--   swift build -c release
--   .build/release/kubescript run bench/json_codec.lua [pods] [rounds]
--
-- Each codec decodes the text and encodes the tables it decoded itself; the figure is the best
-- of `rounds` (CPU time, os.clock, with the garbage collector stopped during each run).
-- kubescript's encoder also sorts object keys; cjson does not.
local pods = tonumber(arg[1]) or 5000
local rounds = tonumber(arg[2]) or 5

local ok, cjson = pcall(require, "cjson")
if not ok then
  io.stderr:write("lua-cjson is not installed (apt-get install lua-cjson): ", tostring(cjson), "\n")
  os.exit(2)
end

-- A realistic pod, about 3.6 KB of JSON: labels, annotations, managedFields, two containers
-- with env, ports, probes and resources, volumes, and a full status.
local function pod(i)
  local name = ("web-%05d-7d4b9c8f6d-x%04d"):format(i, i % 9973)
  local hash = "7d4b9c8f6d"
  return {
    apiVersion = "v1",
    kind = "Pod",
    metadata = {
      name = name,
      generateName = "web-7d4b9c8f6d-",
      namespace = "team-" .. (i % 17),
      uid = ("%08x-1a2b-4c3d-8e9f-%012x"):format(i * 2654435761 % 4294967296, i * 40503),
      resourceVersion = tostring(100000 + i),
      creationTimestamp = "2026-11-23T06:18:47Z",
      labels = { app = "web", ["pod-template-hash"] = hash, tier = "frontend", ["app.kubernetes.io/version"] = "1.25." .. (i % 10) },
      annotations = {
        ["kubectl.kubernetes.io/restartedAt"] = "2026-11-20T10:00:00Z",
        ["prometheus.io/scrape"] = "true",
        ["config.example.com/checksum"] = ("sha256:%064x"):format(i),
      },
      ownerReferences = { {
        apiVersion = "apps/v1", kind = "ReplicaSet", name = "web-" .. hash,
        uid = "467bc624-1780-423a-a408-78a01687fec7", controller = true, blockOwnerDeletion = true,
      } },
      managedFields = {
        {
          manager = "kube-controller-manager", operation = "Update", apiVersion = "v1",
          time = "2026-11-23T06:18:47Z", fieldsType = "FieldsV1",
          fieldsV1 = {
            ["f:metadata"] = { ["f:generateName"] = {}, ["f:labels"] = { ["."] = {}, ["f:app"] = {}, ["f:pod-template-hash"] = {} },
              ["f:ownerReferences"] = { ["."] = {}, ['k:{"uid":"467bc624-1780-423a-a408-78a01687fec7"}'] = {} } },
            ["f:spec"] = { ['f:containers'] = { ['k:{"name":"web"}'] = { ["."] = {}, ["f:image"] = {}, ["f:name"] = {},
              ["f:ports"] = { ["."] = {}, ['k:{"containerPort":80,"protocol":"TCP"}'] = { ["."] = {}, ["f:containerPort"] = {} } } } },
              ["f:dnsPolicy"] = {}, ["f:restartPolicy"] = {}, ["f:schedulerName"] = {} },
          },
        },
      },
    },
    spec = {
      volumes = {
        { name = "config", configMap = { name = "web-config", defaultMode = 420 } },
        { name = "kube-api-access-" .. (i % 1000), projected = { defaultMode = 420, sources = {
          { serviceAccountToken = { expirationSeconds = 3607, path = "token" } },
          { configMap = { name = "kube-root-ca.crt", items = { { key = "ca.crt", path = "ca.crt" } } } },
        } } },
      },
      containers = {
        {
          name = "web", image = "nginx:1.25." .. (i % 10), imagePullPolicy = "IfNotPresent",
          ports = { { name = "http", containerPort = 80, protocol = "TCP" }, { name = "metrics", containerPort = 9113, protocol = "TCP" } },
          env = {
            { name = "POD_NAME", valueFrom = { fieldRef = { apiVersion = "v1", fieldPath = "metadata.name" } } },
            { name = "POD_IP", valueFrom = { fieldRef = { apiVersion = "v1", fieldPath = "status.podIP" } } },
            { name = "LOG_LEVEL", value = "info" },
            { name = "GREETING", value = "Hello, \"world\" — ünïcödé\tand tabs" },
            { name = "REPLICA", value = tostring(i) },
          },
          resources = { limits = { cpu = "500m", memory = "256Mi" }, requests = { cpu = "100m", memory = "128Mi" } },
          livenessProbe = { httpGet = { path = "/healthz", port = 80, scheme = "HTTP" }, initialDelaySeconds = 10,
            timeoutSeconds = 1, periodSeconds = 10, successThreshold = 1, failureThreshold = 3 },
          readinessProbe = { httpGet = { path = "/ready", port = "http", scheme = "HTTP" }, timeoutSeconds = 1,
            periodSeconds = 5, successThreshold = 1, failureThreshold = 3 },
          volumeMounts = { { name = "config", mountPath = "/etc/web", readOnly = true },
            { name = "kube-api-access-" .. (i % 1000), mountPath = "/var/run/secrets/kubernetes.io/serviceaccount", readOnly = true } },
          terminationMessagePath = "/dev/termination-log", terminationMessagePolicy = "File",
        },
      },
      restartPolicy = "Always", terminationGracePeriodSeconds = 30, dnsPolicy = "ClusterFirst",
      serviceAccountName = "default", serviceAccount = "default", nodeName = "node-" .. (i % 50),
      securityContext = {}, schedulerName = "default-scheduler", priority = 0, enableServiceLinks = true,
      preemptionPolicy = "PreemptLowerPriority",
    },
    status = {
      phase = "Running",
      conditions = {
        { type = "Initialized", status = "True", lastTransitionTime = "2026-11-23T06:18:47Z" },
        { type = "Ready", status = "True", lastTransitionTime = "2026-11-23T06:18:52Z" },
        { type = "ContainersReady", status = "True", lastTransitionTime = "2026-11-23T06:18:52Z" },
        { type = "PodScheduled", status = "True", lastTransitionTime = "2026-11-23T06:18:47Z" },
      },
      hostIP = "10.0." .. (i % 50) .. ".1", podIP = "10.244." .. (i % 250) .. "." .. (i % 200),
      podIPs = { { ip = "10.244." .. (i % 250) .. "." .. (i % 200) } },
      startTime = "2026-11-23T06:18:47Z",
      containerStatuses = {
        { name = "web", ready = true, restartCount = i % 3, started = true, image = "nginx:1.25",
          imageID = "docker-pullable://nginx@sha256:" .. ("%064x"):format(i),
          containerID = "containerd://" .. ("%064x"):format(i * 7), state = { running = { startedAt = "2026-11-23T06:18:50Z" } }, lastState = {} },
      },
      qosClass = "Burstable",
    },
  }
end

local items = {}
for i = 1, pods do items[i] = pod(i) end
local text = k8s.json.encode {
  apiVersion = "v1", kind = "PodList", metadata = { resourceVersion = "123456" }, items = items,
}
items = nil  -- luacheck: ignore 311 (let the collector take the pods)
collectgarbage()
local mb = #text / 1e6

-- The collector is stopped while a codec runs: otherwise a cycle that starts mid-run marks the
-- large values kept alive for the other measurements, and the figures swing with the heap.
local function best(f)
  local fastest = math.huge
  for _ = 1, rounds do
    collectgarbage()
    collectgarbage("stop")
    local t0 = os.clock()
    f()
    local t = os.clock() - t0
    collectgarbage("restart")
    if t < fastest then fastest = t end
  end
  return fastest
end

local ours = k8s.json.decode(text)
local theirs = cjson.decode(text)
assert(#ours.items == pods and #theirs.items == pods)

local results = {
  { "kubescript", best(function() k8s.json.decode(text) end), best(function() k8s.json.encode(ours) end) },
  { "lua-cjson", best(function() cjson.decode(text) end), best(function() cjson.encode(theirs) end) },
}

print(("PodList of %d pods, %.1f MB of JSON; best of %d rounds, CPU time"):format(pods, mb, rounds))
print(("%-12s %12s %12s"):format("codec", "decode MB/s", "encode MB/s"))
for _, r in ipairs(results) do
  print(("%-12s %12.0f %12.0f"):format(r[1], mb / r[2], mb / r[3]))
end
print(("kubescript / lua-cjson: decode %.2fx, encode %.2fx"):format(results[2][2] / results[1][2], results[2][3] / results[1][3]))
