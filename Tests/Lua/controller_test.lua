-- Controllers and their helpers against a fresh embedded cluster.

test("a controller keeps an owned Secret in step with its ConfigMap, drift included", function(t, c)
  local cms, secrets = c:CoreV1():ConfigMaps(), c:CoreV1():Secrets()
  local controller
  controller = k8s.controller {
    name = "copier", client = c, primary = cms, owns = { secrets }, workers = 2,
    reconcile = function(req)
      local ok, cm = pcall(cms.Get, cms, req.name)
      if not ok then
        if k8s.errors.IsNotFound(cm) then return end
        error(cm, 0)
      end
      if cm.metadata.name == "kube-root-ca.crt" then return end
      c:CreateOrUpdate({ apiVersion = "v1", kind = "Secret", metadata = { name = cm.metadata.name .. "-copy", namespace = req.namespace } },
        function(secret)
          secret.stringData = nil
          secret.data = {}
          for k, v in pairs(cm.data or {}) do secret.data[k] = v end  -- the ConfigMap holds base64 text already
          k8s.SetControllerReference(cm, secret)
        end)
    end,
  }
  local running = k8s.go(controller.Run, controller)
  local function copyOf(name)
    return k8s.WaitFor(function()
      local ok, secret = pcall(secrets.Get, secrets, name .. "-copy")
      return ok and secret or nil
    end, function(s) return s ~= nil end, { timeout = 10, interval = 0.02 })
  end
  local cm = cms:Create { metadata = { name = "settings" }, data = { a = "YQ==" } }
  local copy = copyOf("settings")
  t:eq(copy.data, { a = "YQ==" })
  t:eq(copy.metadata.ownerReferences[1].uid, cm.metadata.uid)
  t:eq(copy.metadata.ownerReferences[1].controller, true)
  -- drift: someone edits the owned Secret; its event brings the owner back to reconcile
  secrets:Patch("settings-copy", "merge", { data = { a = "ZHJpZnQ=" } })
  k8s.WaitFor(function() return secrets:Get("settings-copy").data.a end, function(v) return v == "YQ==" end, { timeout = 10, interval = 0.02 })
  -- a change of the primary
  cms:Patch("settings", "merge", { data = { b = "Yg==" } })
  k8s.WaitFor(function() return secrets:Get("settings-copy").data.b end, function(v) return v == "Yg==" end, { timeout = 10, interval = 0.02 })
  controller:Stop()
  running:wait()
  t:ok(controller:Stats().success >= 3, k8s.json.encode(controller:Stats()))
end)

test("reconcile's results: an error retries with backoff, requeueAfter comes back, nothing forgets", function(t, c)
  local cms = c:CoreV1():ConfigMaps()
  cms:Create { metadata = { name = "flaky", labels = { test = "results" } } }
  local calls = 0
  local controller = k8s.controller {
    name = "results", client = c, primary = c:CoreV1():ConfigMaps(),
    reconcile = function(req)
      if req.name ~= "flaky" then return end
      calls = calls + 1
      if calls == 1 then error("the first try fails") end
      if calls == 2 then return { requeueAfter = 0.05 } end
      if calls == 3 then return { requeue = true } end
    end,
  }
  local running = k8s.go(controller.Run, controller)
  k8s.WaitFor(function() return calls end, function(n) return n >= 4 end, { timeout = 10, interval = 0.01 })
  k8s.sleep(0.1)
  t:eq(calls, 4, "forgotten after the fourth")
  local stats = controller:Stats()
  t:eq({ stats.error, stats.requeue_after, stats.requeue }, { 1, 1, 1 })
  controller:Stop()
  running:wait()
end)

test("helpers: owner references, conditions, finalizers, CreateOrUpdate", function(t, c)
  local owner = { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "web", uid = "u-1" } }
  local obj = { metadata = { name = "child" } }
  k8s.SetControllerReference(owner, obj)
  k8s.SetControllerReference(owner, obj)
  t:eq(#obj.metadata.ownerReferences, 1)
  t:raises(function()
    k8s.SetControllerReference({ apiVersion = "v1", kind = "ConfigMap", metadata = { name = "other", uid = "u-2" } }, obj)
  end, "already owned by another Deployment controller web")

  local o = { metadata = { generation = 3 } }
  t:ok(k8s.conditions.set(o, { type = "Ready", status = "False", reason = "Starting", message = "starting" }))
  local first = k8s.conditions.get(o, "Ready").lastTransitionTime
  t:eq(k8s.conditions.get(o, "Ready").observedGeneration, 3)
  t:ok(not k8s.conditions.set(o, { type = "Ready", status = "False", reason = "Starting", message = "starting" }), "no change")
  t:ok(k8s.conditions.set(o, { type = "Ready", status = "False", reason = "Waiting", message = "still" }))
  t:eq(k8s.conditions.get(o, "Ready").lastTransitionTime, first, "the status did not change")
  t:ok(not k8s.conditions.isTrue(o, "Ready"))
  k8s.conditions.set(o, { type = "Ready", status = "True", reason = "Up", message = "up" })
  t:ok(k8s.conditions.isTrue(o, "Ready"))

  t:ok(k8s.finalizers.add(obj, "example.com/cleanup"))
  t:ok(not k8s.finalizers.add(obj, "example.com/cleanup"))
  t:ok(k8s.finalizers.has(obj, "example.com/cleanup"))
  t:ok(k8s.finalizers.remove(obj, "example.com/cleanup"))
  t:ok(not k8s.finalizers.has(obj, "example.com/cleanup"))

  local cm = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "cou", namespace = c:Namespace() } }
  local result = c:CreateOrUpdate(cm, function(x) x.data = { a = "1" } end)
  t:eq(result, "created")
  t:eq((c:CreateOrUpdate(cm, function(x) x.data = { a = "1" } end)), "unchanged")
  local updated, object = c:CreateOrUpdate(cm, function(x) x.data.a = "2" end)
  t:eq({ updated, object.data.a }, { "updated", "2" })
end)

test("the event recorder counts a repeated event in its series", function(t, c)
  local cm = c:CoreV1():ConfigMaps():Create { metadata = { name = "noted" } }
  cm.apiVersion, cm.kind = "v1", "ConfigMap"
  local recorder = c:EventRecorder("tests")
  local first = recorder:Event(cm, "Normal", "Created", "made a thing")
  recorder:Event(cm, "Normal", "Created", "made a thing")
  local again = recorder:Event(cm, "Normal", "Created", "made a thing")
  t:eq(again.metadata.name, first.metadata.name, "one Event")
  t:eq(again.series.count, 3)
  t:eq({ first.reason, first.note, first.reportingController, first.regarding.name }, { "Created", "made a thing", "tests", "noted" })
  recorder:Event(cm, "Warning", "Failed", "something else")
  local events = c:Resource { group = "events.k8s.io", version = "v1", resource = "events" }:Namespace(c:Namespace()):List()
  t:eq(#events.items, 2)
end)
