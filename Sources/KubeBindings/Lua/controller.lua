-- Controllers, as controller-runtime's (pkg/internal/controller, controllerutil): informers on a
-- primary resource and the resources it owns or watches feed a work queue of requests
-- ({ namespace =, name = }) that `workers` tasks hand to `reconcile`. Plus the helpers a
-- reconcile needs: owner references, conditions, finalizers, CreateOrUpdate, and an event recorder.
local host, k8s, internal = ...
local Client, raise, resourceOf, nameOf = internal.Client, internal.raise, internal.resourceOf, internal.nameOf

local Controller = { __name = "k8s.Controller" }
Controller.__index = Controller

-- Now as the API writes times (RFC 3339, UTC, seconds).
local function timestamp() return os.date("!%Y-%m-%dT%H:%M:%SZ") end
-- events.k8s.io's MicroTime: RFC 3339 in UTC with microseconds, from the host's clock.
local microtime = host.microtime

local function requestKey(namespace, name)
  if namespace and namespace ~= "" then return namespace .. "/" .. name end
  return name
end

local function requestOf(key)
  local namespace, name = key:match("^([^/]*)/(.*)$")
  if namespace then return { namespace = namespace, name = name } end
  return { name = key }
end

local function objectOf(obj)
  if type(obj) == "table" and obj.DeletedFinalStateUnknown then return obj.obj end
  return obj
end

-- k8s.controller{ name =, client =, primary = resourceClient, owns = { resourceClient, ... },
-- watches = { { resourceClient, map = function(obj) return { { namespace =, name = } } end } },
-- reconcile = function(req) end, workers = 1 }.
function k8s.controller(spec)
  if type(spec) ~= "table" then raise("bad argument #1 to 'controller' (a table expected)") end
  if type(spec.name) ~= "string" then raise("a controller needs a name") end
  if type(spec.reconcile) ~= "function" then raise("a controller needs a reconcile function") end
  if spec.primary == nil then raise("a controller needs a primary resource client") end
  local client = spec.client or k8s.client()
  local self = setmetatable({ name = spec.name, client = client, reconcile = spec.reconcile, workers = spec.workers or 1,
                              queue = k8s.workqueue { name = spec.name }, informers = {}, active = 0, stats = { success = 0, error = 0,
                              requeue = 0, requeue_after = 0 } }, Controller)
  local labels = { controller = spec.name }
  self.metrics = {
    active = k8s.metrics.gauge("controller_runtime_active_workers", labels),
    workers = k8s.metrics.gauge("controller_runtime_max_concurrent_reconciles", labels),
    time = k8s.metrics.histogram("controller_runtime_reconcile_time_seconds", labels),
    errors = k8s.metrics.counter("controller_runtime_reconcile_errors_total", labels),
  }
  for result in pairs(self.stats) do  -- controller_runtime_reconcile_total by result
    self.metrics[result] = k8s.metrics.counter("controller_runtime_reconcile_total", { controller = spec.name, result = result })
  end
  local primaryInfo = spec.primary:Info()
  local function enqueue(namespace, name) self.queue:Add(requestKey(namespace, name)) end

  local primary = client:Informer(spec.primary)
  primary:AddEventHandler {
    OnAdd = function(obj) enqueue(obj.metadata.namespace, obj.metadata.name) end,
    OnUpdate = function(_, new) enqueue(new.metadata.namespace, new.metadata.name) end,
    OnDelete = function(obj) obj = objectOf(obj); enqueue(obj.metadata.namespace, obj.metadata.name) end,
  }
  self.informers[#self.informers + 1] = primary

  -- an owned object's event enqueues its controller owner, when that is of the primary kind
  local function enqueueOwner(obj)
    obj = objectOf(obj)
    for _, ref in ipairs(obj.metadata.ownerReferences or {}) do
      if ref.controller == true and ref.kind == primaryInfo.kind and (ref.apiVersion or ""):match("^(.-)/?[^/]*$") == primaryInfo.group then
        enqueue(obj.metadata.namespace, ref.name)
      end
    end
  end
  for _, owned in ipairs(spec.owns or {}) do
    local informer = client:Informer(owned)
    informer:AddEventHandler {
      OnAdd = enqueueOwner, OnUpdate = function(_, new) enqueueOwner(new) end, OnDelete = enqueueOwner,
    }
    self.informers[#self.informers + 1] = informer
  end
  for _, watch in ipairs(spec.watches or {}) do
    local informer = client:Informer(watch[1])
    local function mapped(obj)
      for _, req in ipairs(watch.map(objectOf(obj)) or {}) do enqueue(req.namespace, req.name) end
    end
    informer:AddEventHandler { OnAdd = mapped, OnUpdate = function(_, new) mapped(new) end, OnDelete = mapped }
    self.informers[#self.informers + 1] = informer
  end
  return self
end

-- One request through reconcile: nothing returned forgets it; { requeueAfter = s } forgets it and
-- adds it back after s; { requeue = true } or an error adds it back with backoff (the error logged
-- once, with the request's key).
function Controller:process(key)
  local metrics = self.metrics
  self.active = self.active + 1
  metrics.active:set(self.active)
  local started = host.now()
  local ok, result = pcall(self.reconcile, requestOf(key))
  self.active = self.active - 1
  metrics.active:set(self.active)
  metrics.time:observe(host.now() - started)
  local outcome
  if not ok then
    if k8s.errors.IsCanceled(result) then error(result, 0) end
    outcome = "error"
    metrics.errors:inc()
    k8s.log.error(("controller %s: reconciling %s: %s"):format(self.name, key, tostring(result)))
    self.queue:AddRateLimited(key)
  elseif type(result) == "table" and result.requeueAfter then
    outcome = "requeue_after"
    self.queue:Forget(key)
    self.queue:AddAfter(key, result.requeueAfter)
  elseif type(result) == "table" and result.requeue then
    outcome = "requeue"
    self.queue:AddRateLimited(key)
  else
    outcome = "success"
    self.queue:Forget(key)
  end
  self.stats[outcome] = self.stats[outcome] + 1
  metrics[outcome]:inc()
  self.queue:Done(key)
end

-- controller:Run(): starts the informers, waits for their caches, and runs the workers until
-- controller:Stop() (or the task running it is cancelled).
function Controller:Run()
  -- a shutdown (SIGTERM) stops the intake; the workers finish the requests they hold
  local unregister = k8s.onShutdown(function() self:Stop() end)
  self.metrics.workers:set(self.workers)
  local workers = {}
  self.running = workers
  local ok, err = pcall(function()
    for _, informer in ipairs(self.informers) do informer:Start() end
    k8s.WaitForCacheSync(table.unpack(self.informers))
    self.synced = true
    for i = 1, self.workers do
      workers[i] = k8s.go(function()
        while not self.stopping do
          local key, shutdown = self.queue:Get()
          if shutdown then return end
          if self.stopping then self.queue:Done(key) return end  -- stopped while waiting: the rest stay queued
          self:process(key)
        end
      end)
    end
    for _, w in ipairs(workers) do w:wait() end
  end)
  for _, w in ipairs(workers) do w:cancel() end
  for _, informer in ipairs(self.informers) do informer:Stop() end
  unregister()
  if not ok then error(err, 0) end
end

-- controller:Stop(): no more requests are taken; the workers finish the ones they have.
function Controller:Stop()
  self.stopping = true
  self.queue:ShutDown()
end

-- controller:Stats() → { success =, error =, requeue =, requeue_after = }: reconciles by result.
function Controller:Stats() return self.stats end

-- Helpers -------------------------------------------------------------------------------------

-- k8s.SetControllerReference(owner, obj): obj's controller owner reference to owner (controller
-- and blockOwnerDeletion true), as controllerutil.SetControllerReference; an error when another
-- object is its controller already.
function k8s.SetControllerReference(owner, obj)
  obj.metadata = obj.metadata or {}
  local refs = obj.metadata.ownerReferences or k8s.array()
  local ref = { apiVersion = owner.apiVersion, kind = owner.kind, name = owner.metadata.name, uid = owner.metadata.uid,
                controller = true, blockOwnerDeletion = true }
  for i, existing in ipairs(refs) do
    if existing.controller == true and existing.uid ~= ref.uid then
      raise(("Object %s/%s is already owned by another %s controller %s"):format(obj.metadata.namespace or "", obj.metadata.name,
        existing.kind, existing.name))
    end
    if existing.uid == ref.uid then refs[i] = ref; obj.metadata.ownerReferences = refs; return obj end
  end
  refs[#refs + 1] = ref
  obj.metadata.ownerReferences = refs
  return obj
end

-- k8s.conditions: apimachinery's meta.SetStatusCondition and friends, on obj.status.conditions.
k8s.conditions = {}

-- conditions.set(obj, { type =, status =, reason =, message = [, observedGeneration =] }) →
-- whether anything changed. lastTransitionTime moves only when the status changes;
-- observedGeneration is the object's generation unless given.
function k8s.conditions.set(obj, condition)
  obj.status = obj.status or {}
  obj.status.conditions = obj.status.conditions or k8s.array()
  local generation = condition.observedGeneration or (obj.metadata and obj.metadata.generation)
  for _, existing in ipairs(obj.status.conditions) do
    if existing.type == condition.type then
      local changed = false
      if existing.status ~= condition.status then
        existing.status, existing.lastTransitionTime, changed = condition.status, timestamp(), true
      end
      for _, field in ipairs { "reason", "message" } do
        if existing[field] ~= condition[field] then existing[field], changed = condition[field], true end
      end
      if generation ~= nil and existing.observedGeneration ~= generation then existing.observedGeneration, changed = generation, true end
      return changed
    end
  end
  obj.status.conditions[#obj.status.conditions + 1] = { type = condition.type, status = condition.status, reason = condition.reason,
    message = condition.message, observedGeneration = generation, lastTransitionTime = timestamp() }
  return true
end

function k8s.conditions.get(obj, conditionType)
  for _, c in ipairs(obj.status and obj.status.conditions or {}) do
    if c.type == conditionType then return c end
  end
  return nil
end

function k8s.conditions.isTrue(obj, conditionType)
  local c = k8s.conditions.get(obj, conditionType)
  return c ~= nil and c.status == "True"
end

-- k8s.finalizers: controllerutil's AddFinalizer, RemoveFinalizer, ContainsFinalizer; add and
-- remove return whether they changed the object.
k8s.finalizers = {}

function k8s.finalizers.has(obj, name)
  for _, f in ipairs(obj.metadata.finalizers or {}) do if f == name then return true end end
  return false
end

function k8s.finalizers.add(obj, name)
  if k8s.finalizers.has(obj, name) then return false end
  obj.metadata.finalizers = obj.metadata.finalizers or k8s.array()
  obj.metadata.finalizers[#obj.metadata.finalizers + 1] = name
  return true
end

function k8s.finalizers.remove(obj, name)
  local kept, changed = k8s.array(), false
  for _, f in ipairs(obj.metadata.finalizers or {}) do
    if f == name then changed = true else kept[#kept + 1] = f end
  end
  if changed then obj.metadata.finalizers = kept end
  return changed
end

-- c:CreateOrUpdate(obj, mutate) → "created" | "updated" | "unchanged", the object:
-- controllerutil.CreateOrUpdate. The live object (or obj, when there is none) goes through
-- mutate(o); it is created, updated when mutate changed it, or left alone.
function Client:CreateOrUpdate(obj, mutate)
  local r = resourceOf(self, obj)
  local ok, live = pcall(r.Get, r, nameOf(obj))
  if not ok then
    if not k8s.errors.IsNotFound(live) then error(live, 0) end
    mutate(obj)
    return "created", r:Create(obj)
  end
  local before = k8s.json.encode(live)
  mutate(live)
  if k8s.json.encode(live) == before then return "unchanged", live end
  return "updated", r:Update(live)
end

-- Events ---------------------------------------------------------------------------------------

local Recorder = { __name = "k8s.EventRecorder" }
Recorder.__index = Recorder

-- c:EventRecorder(component [, instance]) → a recorder of events.k8s.io/v1 Events.
function Client:EventRecorder(component, instance)
  if type(component) ~= "string" then raise("bad argument #1 to 'EventRecorder' (a component name expected)") end
  return setmetatable({ client = self, component = component, instance = instance or (component .. "-" .. host.now()),
                        seen = {} }, Recorder)
end

-- recorder:Event(obj, "Normal" | "Warning", reason, message): an Event about obj; the same event
-- again is counted in its series (count, lastObservedTime) instead of piling up, as client-go's
-- recorder does.
function Recorder:Event(obj, eventType, reason, message)
  local metadata = obj.metadata or {}
  local namespace = metadata.namespace or "default"
  local key = table.concat({ metadata.uid or metadata.name, eventType, reason, message }, "\0")
  local events = self.client:Resource { group = "events.k8s.io", version = "v1", resource = "events" }:Namespace(namespace)
  local known = self.seen[key]
  if known then
    known.count = known.count + 1
    return events:Patch(known.name, "merge", { series = { count = known.count, lastObservedTime = microtime() } })
  end
  local name = ("%s.%x%04x"):format(metadata.name, os.time(), math.random(0, 0xffff))
  local event = events:Create {
    apiVersion = "events.k8s.io/v1", kind = "Event",
    metadata = { name = name, namespace = namespace },
    eventTime = microtime(), reportingController = self.component, reportingInstance = self.instance,
    action = reason, reason = reason, note = message, type = eventType,
    regarding = { apiVersion = obj.apiVersion, kind = obj.kind, name = metadata.name, namespace = metadata.namespace,
                  uid = metadata.uid, resourceVersion = metadata.resourceVersion },
  }
  self.seen[key] = { name = name, count = 1 }
  return event
end
