local host, k8s, atfinish = ...

-- The client's Lua half: method tables, argument checks and iterators. Paths, queries, bodies,
-- content types, paging, discovery and Status errors are the Swift client's (KubeModule).

-- Errors -------------------------------------------------------------------------------------

local getinfo = debug.getinfo

-- The first function on the stack outside kubescript's own chunks (named "=[...]"), where an
-- error points: its level for error(message, level) in the function that asks, and its getinfo.
local function scriptFrame()
  local level = 3  -- 1: scriptFrame, 2: the function that asks, 3: its caller
  while true do
    local info = getinfo(level, "Sl")
    if info == nil then return nil end
    if info.what ~= "C" and info.source:sub(1, 2) ~= "=[" then return level - 1, info end
    level = level + 1
  end
end

-- error(message) at the caller's line in the script.
local function raise(message)
  error(message, scriptFrame() or 1)
end

-- "script.lua:12: " for the script's line that called into the client ("" when there is none).
local function where()
  local _, info = scriptFrame()
  if info == nil or info.currentline <= 0 then return "" end
  return ("%s:%d: "):format(info.short_src, info.currentline)
end

local Error = { __name = "k8s.Error" }
Error.__index = Error
Error.__tostring = function(e)
  if e.reason and e.reason ~= "" then return ("%s%s (%s)"):format(e.where or "", e.message, e.reason) end
  return (e.where or "") .. e.message
end

-- An error value from the fields the client gives (code, reason, message, status), pointing at
-- the script's line (where).
local function errorValue(fields)
  fields.where = where()
  return setmetatable(fields, Error)
end

-- The error of a failed answer: its Status (a table or the body's text), or one made from the code.
local function failure(code, status)
  return errorValue(host.failure(code, status))
end

-- A primitive's results, raising its error value when it failed (nil, error).
local function check(value, err, ...)
  if value == nil and err ~= nil then error(errorValue(err), 0) end
  return value, err, ...
end

k8s.errors = { Error = Error }
for _, name in ipairs { "IsNotFound", "IsAlreadyExists", "IsConflict", "IsInvalid", "IsBadRequest", "IsUnauthorized",
                        "IsForbidden", "IsTimeout", "IsServerTimeout", "IsTooManyRequests", "IsMethodNotSupported",
                        "IsInternalError", "IsServiceUnavailable", "IsGone", "IsExpired" } do
  k8s.errors[name] = function(e) return getmetatable(e) == Error and host.is(name, e) end
end

-- Tasks (Lua/tasks.lua): every request is a pending one, awaited so that other tasks run meanwhile.
-- The other chunks of the module, as Swift embeds them (Lua/tasks.lua, Lua/status.lua).
local function chunk(name)
  local source, chunkname = host.chunk(name)
  return assert(load(source, chunkname, "t"))
end
local tasks = chunk("tasks")(host, k8s, atfinish, errorValue)
local await = tasks.await

-- Group versions -------------------------------------------------------------------------------

function k8s.ParseGroupVersion(text)
  if type(text) ~= "string" then raise("bad argument #1 to 'ParseGroupVersion' (string expected)") end
  local group, version = text:match("^([^/]+)/([^/]+)$")
  if group then return { group = group, version = version } end
  if text:find("/") then raise(("unexpected GroupVersion string: %s"):format(text)) end
  return { group = "", version = text }
end

function k8s.GroupVersionResource(group, version, resource)
  return { group = group or "", version = version, resource = resource }
end

function k8s.GroupVersionString(gv)
  if gv.group == nil or gv.group == "" then return gv.version end
  return gv.group .. "/" .. gv.version
end

-- The client ---------------------------------------------------------------------------------

local Client = { __name = "k8s.Client" }
Client.__index = Client

function k8s.client(options)
  if options ~= nil and type(options) ~= "table" then raise("bad argument #1 to 'client' (table expected)") end
  local handle = host.new(options or {})
  return setmetatable({ _h = handle, _ns = handle:namespace() }, Client)
end

function Client:Namespace() return self._ns end
function Client:Server() return self._h:server() end

-- RESTClient (rest.Request): a request records the builder calls, which the Swift REST builder
-- replays when it is sent, so its checks and its first mistake are the ones reported.

local RESTClient = { __name = "k8s.RESTClient" }
RESTClient.__index = RESTClient
local Request = { __name = "k8s.Request" }
Request.__index = Request
local Result = { __name = "k8s.Result" }
Result.__index = Result

function Client:RESTClient(gv)
  gv = gv or {}
  return setmetatable({ _client = self, _group = gv.group or "", _version = gv.version or "v1" }, RESTClient)
end

for _, verb in ipairs { "Get", "Post", "Put", "Patch", "Delete" } do
  RESTClient[verb] = function(self, patchType)
    return setmetatable({ _client = self._client, _body = nil,
                          _spec = { verb = verb:upper(), group = self._group, version = self._version, patchType = patchType, steps = {} } },
                        Request)
  end
end
function RESTClient:Verb(verb) return self[verb:sub(1, 1):upper() .. verb:sub(2):lower()](self) end

local function recorder(name, nargs)
  return function(self, ...)
    local args = { name, ... }
    for i = 2, nargs + 1 do
      local v = args[i]
      if name ~= "Namespace" or v ~= nil then
        local kind = type(v)
        if kind ~= "string" and not ((name == "Param" and i == 3) or name == "Timeout") then
          raise(("bad argument #%d to '%s' (string expected, got %s)"):format(i - 1, name, kind))
        end
      end
    end
    local steps = self._spec.steps
    steps[#steps + 1] = args
    return self
  end
end
Request.Namespace = recorder("Namespace", 1)
Request.Resource = recorder("Resource", 1)
Request.Name = recorder("Name", 1)
Request.SubResource = recorder("SubResource", 1)
Request.Param = recorder("Param", 2)
Request.SetHeader = recorder("SetHeader", 2)
Request.Timeout = recorder("Timeout", 1)
Request.AbsPath = recorder("AbsPath", 1)
function Request:Body(body) self._body = body return self end

function Request:URL() return (check(self._client._h:url(self._spec))) end

function Request:Do()
  local status, body, headers = check(await(self._client._h:rest(self._spec, self._body)))
  return setmetatable({ _status = status, _body = body, _headers = headers }, Result)
end

function Result:StatusCode() return self._status end
function Result:Raw() return self._body end
function Result:Headers() return self._headers end
function Result:Error()
  if self._status >= 200 and self._status <= 299 then return nil end
  return failure(self._status, self._body)
end
function Result:Into()
  local err = self:Error()
  if err then error(err, 0) end
  if self._body == "" then return nil end
  return k8s.json.decode(self._body)
end

-- Resources: one interface for typed and dynamic clients ---------------------------------------

local Resource = { __name = "k8s.ResourceInterface" }
Resource.__index = Resource

local function newResource(client, handle)
  return setmetatable({ _client = client, _r = handle }, Resource)
end

function Resource:Namespace(ns)
  if ns ~= nil and type(ns) ~= "string" then raise("bad argument #1 to 'Namespace' (string expected)") end
  return newResource(self._client, self._r:inNamespace(ns))
end
function Resource:Info() return self._r:info() end

local function nameArgument(name, i, method)
  if type(name) ~= "string" then raise(("bad argument #%d to '%s' (name expected, got %s)"):format(i, method, type(name))) end
  return name
end

local function nameOf(object)
  local name = type(object) == "table" and type(object.metadata) == "table" and object.metadata.name
  if type(name) ~= "string" or name == "" then raise("the object has no metadata.name") end
  return name
end

local function objectArgument(object, i, method)
  if type(object) ~= "table" and type(object) ~= "string" then
    raise(("bad argument #%d to '%s' (object expected, got %s)"):format(i, method, type(object)))
  end
  return object
end

function Resource:Get(name, options) return (check(await(self._r:get(nameArgument(name, 1, "Get"), options)))) end
-- The lists the client returned, and the resource and options each came from (weak keys), so
-- that printing one can ask the server for its Table.
local listedBy = setmetatable({}, { __mode = "k" })
-- Each item gets its kind and apiVersion, which the server leaves out of a list's items, as
-- client-go's dynamic client gives them (k8s.status and k8s.format go by them).
local function listed(resource, options, list)
  if type(list) ~= "table" then return list end
  listedBy[list] = { resource = resource, options = options }
  local kind = type(list.kind) == "string" and list.kind:match("^(.*)List$")
  if kind and type(list.items) == "table" then
    for _, item in ipairs(list.items) do
      if type(item) == "table" and item.kind == nil then item.kind, item.apiVersion = kind, list.apiVersion end
    end
  end
  return list
end

function Resource:List(options) return listed(self, options, (check(await(self._r:list(options))))) end
function Resource:ListAll(options, pageSize) return listed(self, options, (check(await(self._r:listAll(options, pageSize))))) end
-- Table(options): the objects as the server prints them (a meta.k8s.io/v1 Table), as kubectl get asks.
function Resource:Table(options) return (check(await(self._r:table(options)))) end
function Resource:Create(object, options) return (check(await(self._r:create(objectArgument(object, 1, "Create"), options)))) end
function Resource:Update(object, options) return (check(await(self._r:update(nameOf(object), object, options)))) end
function Resource:UpdateStatus(object, options) return (check(await(self._r:update(nameOf(object), object, options, "status")))) end
function Resource:GetScale(name) return (check(await(self._r:getScale(nameArgument(name, 1, "GetScale"))))) end
function Resource:UpdateScale(name, scale, options)
  return (check(await(self._r:update(nameArgument(name, 1, "UpdateScale"), objectArgument(scale, 2, "UpdateScale"), options, "scale"))))
end
function Resource:Patch(name, patchType, patch, options, subresource)
  return (check(await(self._r:patch(nameArgument(name, 1, "Patch"), patchType, objectArgument(patch, 3, "Patch"), options, subresource))))
end
function Resource:Apply(object, options) return (check(await(self._r:apply(nameOf(object), object, options)))) end
function Resource:Delete(name, options) return (check(await(self._r:delete(nameArgument(name, 1, "Delete"), options)))) end
function Resource:DeleteCollection(options, listOptions) return (check(await(self._r:deleteCollection(options, listOptions)))) end

-- Watch(options) → an iterator of { type =, object = } that ends with the watch. The loop's
-- fourth value closes the watch as soon as the loop ends, by its end, a break, a return or an
-- error (a to-be-closed value of the generic for).
local WatchCloser = { __name = "k8s.WatchCloser", __close = function(closer) closer.stream:stop() end }
function Resource:Watch(options)
  local stream = check(self._r:watch(options))
  return function()
    tasks.ready(stream)
    local event = check(stream:next())
    if event == nil then return nil end
    if type(event) ~= "table" or type(event.type) ~= "string" or event.object == nil then
      stream:stop()
      error(errorValue { code = 0, reason = "", message = "a watch event is not an event: " .. k8s.json.encode(event) }, 0)
    end
    if event.type == "ERROR" then error(failure(500, event.object), 0) end
    return event
  end, nil, nil, setmetatable({ stream = stream }, WatchCloser)
end

-- The dynamic client -------------------------------------------------------------------------

-- Resource{ group =, version =, resource = }: any resource, CRDs included, across namespaces
-- until :Namespace(ns); NotFound when discovery does not know it.
function Client:Resource(gvr)
  if type(gvr) ~= "table" or type(gvr.resource) ~= "string" then raise("bad argument #1 to 'Resource' (GroupVersionResource expected)") end
  return newResource(self, check(self._h:resource(gvr.group or "", gvr.version or "v1", gvr.resource, "")))
end

-- The typed ClientSet: c:AppsV1():Deployments(ns), c:CoreV1():Nodes() ----------------------

k8s.builtin = host.builtin()

-- client-go's accessor names: NetworkPolicy/networkpolicies → NetworkPolicies
local function methodName(kind, resource)
  local n = 0
  local lower = kind:lower()
  while n < #lower and n < #resource and lower:sub(n + 1, n + 1) == resource:sub(n + 1, n + 1) do n = n + 1 end
  return kind:sub(1, n) .. resource:sub(n + 1)
end
local function groupName(group, version)
  local first = group == "" and "core" or group:match("^[^.]+")
  return first:sub(1, 1):upper() .. first:sub(2) .. version:sub(1, 1):upper() .. version:sub(2)
end

local groups = {}
for _, info in ipairs(k8s.builtin) do
  local name = groupName(info.group, info.version)
  local accessor = groups[name]
  if not accessor then
    accessor = { __name = "k8s." .. name }
    accessor.__index = accessor
    groups[name] = accessor
    Client[name] = function(self) return setmetatable({ _client = self }, accessor) end
  end
  -- namespaced: (ns) with nil for the client's namespace and "" for all of them
  accessor[methodName(info.kind, info.resource)] = function(self, namespace)
    if namespace ~= nil and type(namespace) ~= "string" then raise("bad argument #1 (namespace expected)") end
    local client = self._client
    return newResource(client, check(client._h:resource(info.group, info.version, info.resource, namespace)))
  end
end

-- The discovery client -----------------------------------------------------------------------

local Discovery = { __name = "k8s.DiscoveryClient" }
Discovery.__index = Discovery
function Client:Discovery() return setmetatable({ _h = self._h }, Discovery) end
function Discovery:ServerVersion() return (check(self._h:serverVersion())) end
function Discovery:ServerGroups() return (check(self._h:serverGroups())) end
function Discovery:ServerGroupsAndResources()
  return self:ServerGroups().groups, (check(self._h:serverResources()))
end
function Discovery:ServerResourcesForGroupVersion(gv)
  if type(gv) ~= "string" then raise("bad argument #1 to 'ServerResourcesForGroupVersion' (string expected)") end
  return (check(self._h:serverResources(gv)))
end
function Discovery:ServerPreferredResources() return (check(self._h:serverPreferredResources())) end
function Discovery:Invalidate() self._h:invalidate() end

-- kubectl-style conveniences -------------------------------------------------------------------

function Client:ResourceFor(name)
  if type(name) ~= "string" then raise("bad argument #1 to 'ResourceFor' (string expected)") end
  return newResource(self, check(self._h:resourceFor(name)))
end

local function resourceOf(client, object)
  return newResource(client, check(client._h:resourceOf(object)))
end

function Client:Get(kind, name, namespace)
  local r = self:ResourceFor(kind)
  if namespace then r = r:Namespace(namespace) end
  return r:Get(name)
end

function Client:List(kind, options)
  options = options or {}
  local r = self:ResourceFor(kind)
  if options.namespace ~= nil then
    r = r:Namespace(options.namespace)
    local copy = {}
    for k, v in pairs(options) do if k ~= "namespace" then copy[k] = v end end
    options = copy
  end
  return r:List(options)
end

function Client:Delete(object, options)
  return resourceOf(self, object):Delete(nameOf(object), options)
end

-- The objects an argument holds: an object, a List (its items), a list of objects, or YAML text
-- of them, as Apply, WaitForStatus, an apply set's Apply and Diff take them.
local function objectsArgument(input, method)
  local objects = input
  if type(input) == "string" then objects = k8s.yaml.decodeAll(input) end
  if type(objects) ~= "table" then raise(("bad argument #1 to '%s' (object, list or YAML expected)"):format(method)) end
  if objects.kind == nil then return objects end
  if objects.items ~= nil and objects.kind:match("List$") then return objects.items end
  return { objects }
end

-- Apply(objectOrListOrYAML, { fieldManager =, force = }): server-side apply of each object,
-- namespaces first, then CRDs (waiting until they are Established), then the rest; the objects
-- of each stage at once (tasks, 8 in flight). Returns the applied objects in that order.
function Client:Apply(input, options)
  local objects = objectsArgument(input, "Apply")
  local function rank(o)
    if o.kind == "Namespace" then return 0 elseif o.kind == "CustomResourceDefinition" then return 1 else return 2 end
  end
  local ordered = {}
  for i, o in ipairs(objects) do ordered[#ordered + 1] = { i = i, o = o } end
  table.sort(ordered, function(a, b)
    if rank(a.o) ~= rank(b.o) then return rank(a.o) < rank(b.o) end
    return a.i < b.i
  end)
  local applied, position = k8s.array(), 1
  while position <= #ordered do
    local stage, group = rank(ordered[position].o), {}
    while position <= #ordered and rank(ordered[position].o) == stage do
      group[#group + 1] = ordered[position].o
      position = position + 1
    end
    local results = k8s.map(group, function(o) return resourceOf(self, o):Apply(o, options) end, { workers = 8 })
    for _, o in ipairs(results) do applied[#applied + 1] = o end
    if stage == 1 then
      -- a custom resource can be applied only once its CRD serves it (a dry run created none)
      if not self._h:dryRun() and not (options and options.dryRun) then
        self:WaitForCondition(results, "Established", { timeout = 60 })
      end
      self._h:invalidate()
    end
  end
  return applied
end

-- The module's other parts are compiled the first time a script uses one of their entries
-- (a function of a table, or a table of functions), so a script that makes a few requests does
-- not compile apply sets, informers and controllers.
local function onFirstUse(name, arguments, entries)
  local loaded = false
  local function load()
    if not loaded then
      loaded = true
      chunk(name)(table.unpack(arguments))
    end
  end
  for _, entry in ipairs(entries) do
    local target, field, isTable = entry[1], entry[2], entry[3]
    if isTable then
      target[field] = setmetatable({}, { __index = function(_, key) load(); return target[field][key] end })
    else
      local stub
      stub = function(...)
        load()
        assert(target[field] ~= stub, name .. ".lua did not define " .. field)
        return target[field](...)
      end
      target[field] = stub
    end
  end
end
-- k8s.metrics: series served at /metrics (kubescript run --metrics-addr), next to the
-- controllers', work queues' and client's own. A series is made once, then recorded into:
-- k8s.metrics.counter(name, labels):inc([n]), .gauge(name, labels):set(value),
-- .histogram(name, labels):observe(seconds). Without --metrics-addr they record nothing.
local Series = { __name = "k8s.MetricSeries" }
Series.__index = Series
function Series:inc(n) host.record(self.number, n or 1) end
function Series:set(value) host.record(self.number, value) end
function Series:observe(seconds) host.record(self.number, seconds) end
local unrecorded = setmetatable({ inc = function() end, set = function() end, observe = function() end }, Series)

local function series(kind)
  if not host.metricsEnabled() then return function() return unrecorded end end
  return function(name, labels)
    if type(name) ~= "string" then raise("bad argument #1 (a metric name expected)") end
    return setmetatable({ number = host.series(kind, name, labels or {}) }, Series)
  end
end
k8s.metrics = { counter = series("counter"), gauge = series("gauge"), histogram = series("seconds") }

-- k8s.sha256(text) → text's SHA-256 digest, in hex.
k8s.sha256 = host.sha256

local parts = { Client = Client, tasks = tasks, resourceOf = resourceOf, nameOf = nameOf, raise = raise, failure = failure,
                objectsArgument = objectsArgument }
onFirstUse("status", { k8s }, { { k8s, "status" } })  -- k8s.status(obj): kstatus's rules
onFirstUse("applyset", { host, k8s, parts }, { { Client, "ApplySet" } })
onFirstUse("diff", { k8s, parts }, { { Client, "Diff" }, { k8s, "unifiedDiff" } })
onFirstUse("informer", { host, k8s, parts },
           { { Client, "Informer" }, { k8s, "deepcopy" }, { k8s, "MetaNamespaceKey" }, { k8s, "WaitForCacheSync" } })
onFirstUse("workqueue", { host, k8s, parts }, { { k8s, "workqueue" }, { k8s, "DefaultControllerRateLimiter" } })
onFirstUse("controller", { host, k8s, parts },
           { { k8s, "controller" }, { k8s, "SetControllerReference" }, { Client, "CreateOrUpdate" }, { Client, "EventRecorder" },
             { k8s, "conditions", true }, { k8s, "finalizers", true } })
onFirstUse("leaderelection", { host, k8s, parts }, { { k8s, "leaderElection" } })

-- Retries and waits --------------------------------------------------------------------------

-- client-go's retry.DefaultRetry: 5 steps, 10 ms, factor 1, jitter 0.1.
k8s.DefaultRetry = { steps = 5, duration = 0.01, factor = 1.0, jitter = 0.1 }
k8s.DefaultBackoff = { steps = 4, duration = 0.01, factor = 5.0, jitter = 0.1 }

-- retry.OnError: runs fn until it succeeds, raises something retriable says no to, or the steps run out.
function k8s.OnError(backoff, retriable, fn)
  backoff = backoff or k8s.DefaultRetry
  local wait = backoff.duration or 0.01
  local last
  for step = 1, backoff.steps or 5 do
    local ok, err = pcall(fn)
    if ok then return end
    if not retriable(err) then error(err, 0) end
    last = err
    if step < (backoff.steps or 5) then
      k8s.sleep(wait * (1 + (backoff.jitter or 0) * math.random()))
      wait = wait * (backoff.factor or 1)
    end
  end
  error(last, 0)
end

function k8s.RetryOnConflict(fn, backoff)
  return k8s.OnError(backoff or k8s.DefaultRetry, k8s.errors.IsConflict, fn)
end

-- WaitFor(getter, predicate, { timeout =, interval = }): polls until predicate(getter()) holds.
function k8s.WaitFor(getter, predicate, options)
  options = options or {}
  local timeout, interval = options.timeout or 30, options.interval or 0.5
  local deadline = os.time() + timeout
  while true do
    local value = getter()
    if predicate(value) then return value end
    if os.time() >= deadline then
      error(failure(0, { kind = "Status", reason = "Timeout", message = ("timed out after %gs waiting for the condition"):format(timeout) }), 0)
    end
    k8s.sleep(interval)
  end
end

local function conditionHolds(object, condition)
  local status = type(object) == "table" and object.status
  for _, c in ipairs(status and status.conditions or {}) do
    if c.type == condition then return c.status == "True" end
  end
  return false
end
k8s.ConditionHolds = conditionHolds

-- WaitForCondition(obj, "Available", { timeout = }): watches the object until the condition holds.
function Client:WaitForCondition(object, condition, options)
  if type(object) == "table" and object.kind == nil and #object > 0 then
    -- a list of objects: all of them at once, each through its own watch
    return k8s.map(object, function(o) return self:WaitForCondition(o, condition, options) end, { workers = #object })
  end
  options = options or {}
  local timeout = options.timeout or 60
  local r = resourceOf(self, object)
  local name = nameOf(object)
  local deadline = os.time() + timeout
  local current = r:Get(name)
  while not conditionHolds(current, condition) do
    local remaining = deadline - os.time()
    if remaining <= 0 then
      error(failure(0, { kind = "Status", reason = "Timeout",
        message = ("timed out after %gs waiting for %s %q to be %s"):format(timeout, object.kind or "object", name, condition) }), 0)
    end
    for event in r:Watch { fieldSelector = "metadata.name=" .. name, resourceVersion = current.metadata.resourceVersion,
                           timeoutSeconds = math.max(1, math.floor(remaining)) } do
      if event.type == "DELETED" then
        error(failure(404, { kind = "Status", code = 404, reason = "NotFound",
          message = ("%s %q was deleted while waiting for %s"):format(object.kind or "object", name, condition) }), 0)
      end
      if event.type ~= "BOOKMARK" then current = event.object end
      if conditionHolds(current, condition) then break end
    end
  end
  return current
end

-- WaitForStatus(objects, { status = "Current", timeout = 300, onChange = fn(entry, result) }):
-- waits until every object has that status (k8s.status, kstatus's rules), through one list and
-- watch per resource and namespace, not one per object. An object that turns Failed ends the
-- wait at once with an error; so does the timeout, with what is not there yet and why. Returns
-- the objects' entries ({ kind, name, namespace, status, message }) in the order given.
function Client:WaitForStatus(objects, options)
  objects = objectsArgument(objects, "WaitForStatus")
  options = options or {}
  local wanted, timeout = options.status or "Current", options.timeout or 300
  local entries, byResource = {}, {}
  for i, o in ipairs(objects) do
    local r = resourceOf(self, o)
    local info, namespace = r:Info(), r._r:namespace()
    local key = ("%s/%s/%s/%s"):format(info.group, info.version, info.resource, namespace or "")
    local entry = { kind = o.kind, name = nameOf(o), namespace = namespace, status = "Unknown", message = "not read yet" }
    entries[i] = entry
    byResource[key] = byResource[key] or { resource = r, byName = {}, count = 0 }
    byResource[key].byName[entry.name] = entry
    byResource[key].count = byResource[key].count + 1
  end
  local function update(entry, object)
    local result = k8s.status(object)  -- list items carry their kind (listed), events theirs
    if result.status ~= entry.status or result.message ~= entry.message then
      entry.status, entry.message, entry.conditions = result.status, result.message, result.conditions
      if options.onChange then options.onChange(entry, result) end
    end
  end
  -- one task per resource and namespace: list, then watch from there; list again after a 410
  local watchers = {}
  for _, group in pairs(byResource) do
    local only = nil
    if group.count == 1 then only = "metadata.name=" .. next(group.byName) end
    watchers[#watchers + 1] = k8s.go(function()
      while true do
        local list = group.resource:List { fieldSelector = only }
        local seen = {}
        for _, item in ipairs(list.items) do
          local entry = group.byName[item.metadata.name]
          if entry then seen[entry] = true; update(entry, item) end
        end
        for _, entry in pairs(group.byName) do if not seen[entry] then update(entry, nil) end end
        local ok, err = pcall(function()
          for event in group.resource:Watch { fieldSelector = only, resourceVersion = list.metadata.resourceVersion,
                                              allowWatchBookmarks = true, timeoutSeconds = 300 } do
            local metadata = type(event.object) == "table" and event.object.metadata
            local entry = metadata and group.byName[metadata.name]
            if entry and event.type == "DELETED" then update(entry, nil)
            elseif entry and event.type ~= "BOOKMARK" then update(entry, event.object) end
          end
        end)
        if not ok and not k8s.errors.IsGone(err) then error(err, 0) end
      end
    end)
  end
  local function failed()
    for _, w in ipairs(watchers) do if w:done() then return w end end
    if wanted == "Failed" then return nil end
    for _, entry in ipairs(entries) do if entry.status == "Failed" then return entry end end
  end
  local function settled()
    if failed() then return true end
    for _, entry in ipairs(entries) do if entry.status ~= wanted then return false end end
    return true
  end
  local finished = tasks.waitFor(settled, host.now() + timeout, true)
  for _, w in ipairs(watchers) do w:cancel() end
  local problem = failed()
  if getmetatable(problem) ~= nil then problem:wait() end  -- a watcher's error
  local function describe(entry)
    return ("%s %s%s: %s: %s"):format(entry.kind, entry.namespace and (entry.namespace .. "/") or "", entry.name,
                                      entry.status, entry.message)
  end
  if problem then
    error(errorValue { code = 0, reason = "Failed", message = describe(problem) }, 0)
  end
  if not finished then
    local late = {}
    for _, entry in ipairs(entries) do if entry.status ~= wanted then late[#late + 1] = describe(entry) end end
    error(errorValue { code = 0, reason = "Timeout", message = ("timed out after %gs waiting for %d of %d objects to be %s: %s")
      :format(timeout, #late, #entries, wanted, table.concat(late, "; ")) }, 0)
  end
  return entries
end

-- Printing: k8s.format(x, "yaml"|"json"|"table") and k8s.print(x, format) -----------------

-- An age as kubectl prints it, for objects that did not come with the server's Table.
local function age(timestamp)
  if type(timestamp) ~= "string" then return "<unknown>" end
  local y, mo, d, h, mi, s = timestamp:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then return "<unknown>" end
  local now = os.time()
  local utcNow = os.time(os.date("!*t", now))
  local then_ = os.time { year = tonumber(y), month = tonumber(mo), day = tonumber(d), hour = tonumber(h), min = tonumber(mi), sec = tonumber(s) }
  local seconds = math.max(0, now - (then_ + (now - utcNow)))
  if seconds < 120 then return seconds .. "s" end
  local minutes = seconds // 60
  if minutes < 10 then return ("%dm%ds"):format(minutes, seconds % 60) end
  if minutes < 180 then return minutes .. "m" end
  local hours = minutes // 60
  if hours < 8 then return ("%dh%dm"):format(hours, minutes % 60) end
  if hours < 48 then return hours .. "h" end
  local days = hours // 24
  if days < 8 then return ("%dd%dh"):format(days, hours % 24) end
  if days < 730 then return days .. "d" end
  return (days // 365) .. "y"
end

local function isTable(x)
  return type(x) == "table" and x.kind == "Table" and type(x.columnDefinitions) == "table" and type(x.rows) == "table"
end

-- The objects of a list (or a list of objects, or one object).
local function objectsOf(x)
  if type(x) ~= "table" then return nil end
  if type(x.items) == "table" and type(x.kind) == "string" and x.kind:match("List$") then return x.items end
  if #x > 0 and type(x[1]) == "table" and type(x[1].metadata) == "table" then return x end
  if type(x.metadata) == "table" and type(x.kind) == "string" and x.kind ~= "Status" then return { x } end
  return nil
end

-- The server's Table for a list the client returned (the same query, asked now), its rows those
-- of the list's objects in the list's order; nil when the list did not come from the client, the
-- server sends no Table, or an object of the list is gone.
local function serverTable(list)
  local source = listedBy[list]
  if not source then return nil end
  local options = {}
  for k, v in pairs(source.options or {}) do if k ~= "limit" and k ~= "continue" then options[k] = v end end
  local ok, tbl = pcall(source.resource.Table, source.resource, options)
  if not ok or not isTable(tbl) then return nil end
  local byUID = {}
  for _, row in ipairs(tbl.rows) do
    local metadata = type(row.object) == "table" and row.object.metadata
    if type(metadata) == "table" and metadata.uid then byUID[metadata.uid] = row end
  end
  local rows = {}
  for i, item in ipairs(list.items) do
    rows[i] = type(item.metadata) == "table" and byUID[item.metadata.uid]
    if not rows[i] then return nil end
  end
  return { kind = "Table", columnDefinitions = tbl.columnDefinitions, rows = rows }
end

-- Where the server sends no Table: the columns every object has.
local function localTable(items)
  local rows = {}
  for i, o in ipairs(items) do
    local metadata = type(o.metadata) == "table" and o.metadata or {}
    rows[i] = { cells = { metadata.name or "", age(metadata.creationTimestamp) }, object = { metadata = metadata } }
  end
  return { kind = "Table", columnDefinitions = { { name = "Name", priority = 0 }, { name = "Age", priority = 0 } }, rows = rows }
end

local function cellText(value)
  if value == nil or value == k8s.null then return "<none>" end
  if type(value) == "table" then return k8s.json.encode(value) end
  return tostring(value)
end

-- A Table as kubectl prints it: the columns of priority 0, names in capitals, NAMESPACE first
-- when the rows span several namespaces, columns three spaces apart.
local function render(tbl)
  if #tbl.rows == 0 then return "No resources found." end
  local namespaces, spans, first = {}, false, nil
  for _, row in ipairs(tbl.rows) do
    local metadata = type(row.object) == "table" and type(row.object.metadata) == "table" and row.object.metadata
    local ns = metadata and metadata.namespace
    if ns then
      namespaces[row] = ns
      if first == nil then first = ns elseif ns ~= first then spans = true end
    end
  end
  local header, shown = {}, {}
  if spans then header[1] = "NAMESPACE" end
  for i, column in ipairs(tbl.columnDefinitions) do
    if (column.priority or 0) == 0 then
      shown[#shown + 1] = i
      header[#header + 1] = tostring(column.name):upper()
    end
  end
  local lines = { header }
  for _, row in ipairs(tbl.rows) do
    local line = {}
    if spans then line[1] = namespaces[row] or "" end
    for _, i in ipairs(shown) do line[#line + 1] = cellText((row.cells or {})[i]) end
    lines[#lines + 1] = line
  end
  local widths = {}
  for _, line in ipairs(lines) do
    for i, cell in ipairs(line) do widths[i] = math.max(widths[i] or 0, utf8.len(cell) or #cell) end
  end
  for n, line in ipairs(lines) do
    local cells = {}
    for i, cell in ipairs(line) do cells[i] = i < #line and (cell .. (" "):rep(widths[i] - (utf8.len(cell) or #cell) + 3)) or cell end
    lines[n] = table.concat(cells)
  end
  return table.concat(lines, "\n")
end

-- k8s.format(x [, "yaml"|"json"|"table"]) → the text, and the format used: without one, Tables
-- and lists of objects as a table, anything else as YAML. A table is the server's (a Table
-- given, or the Table of a list the client returned), else NAME and AGE.
function k8s.format(x, format)
  if format == nil then
    local items = objectsOf(x)
    format = (isTable(x) or items and (x.items or #x > 0)) and "table" or "yaml"
  end
  if format == "json" then return k8s.json.encode(x, { indent = 2 }), format end
  if format == "yaml" then return k8s.yaml.encode(x), format end
  if format ~= "table" then raise(("unknown format %q (yaml, json or table)"):format(tostring(format))) end
  if isTable(x) then return render(x), format end
  local items = objectsOf(x)
  if not items then raise("a table needs a Table, a list of objects or an object") end
  return render(serverTable(x) or localTable(items)), format
end

-- k8s.print(x [, "yaml"|"json"|"table"]): as k8s.format gives it; values that are not tables
-- with tostring.
function k8s.print(x, format)
  if type(x) ~= "table" and format == nil then print(tostring(x)) return end
  print((k8s.format(x, format):gsub("\n$", "")))
end
