local host, k8s = ...
local json = k8s.json

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

-- An error value: fields code, reason, message, status, and where (the script's line).
local function newError(fields)
  fields.where = where()
  return setmetatable(fields, Error)
end

local reasonsByCode = {
  [400] = "BadRequest", [401] = "Unauthorized", [403] = "Forbidden", [404] = "NotFound", [405] = "MethodNotAllowed",
  [409] = "Conflict", [410] = "Gone", [422] = "Invalid", [429] = "TooManyRequests", [500] = "InternalError",
  [503] = "ServiceUnavailable", [504] = "Timeout",
}

-- An error value from a failed answer (its Status, or one made from the code).
-- An error value from a Status (a table), or one made from the code when it is none.
local function errorOf(status, code)
  if type(status) ~= "table" or status.kind ~= "Status" then
    status = { kind = "Status", apiVersion = "v1", status = "Failure", code = code, reason = reasonsByCode[code] or "Unknown",
               message = ("the server responded with the status code %d"):format(code) }
  end
  return newError { code = status.code or code, reason = status.reason or reasonsByCode[code] or "",
                    message = status.message or "", status = status }
end

-- An error value from a failed answer's body (its Status, or one made from the code).
local function statusError(code, body)
  local ok, status = pcall(json.decode, body or "")
  return errorOf(ok and status, code)
end

local function transportError(message)
  return newError { code = 0, reason = "", message = message, status = nil }
end

-- The error of a primitive's failure: (nil, message[, Status JSON]).
local function failure(message, status)
  if status then
    local decoded = json.decode(status)
    return statusError(decoded.code or 0, status)
  end
  return transportError(message)
end

local function is(reason, code)
  return function(e)
    if getmetatable(e) ~= Error then return false end
    if e.reason ~= nil and e.reason ~= "" then return e.reason == reason end
    return code ~= nil and e.code == code
  end
end
k8s.errors = {
  IsNotFound = is("NotFound", 404), IsAlreadyExists = is("AlreadyExists"), IsConflict = is("Conflict", 409),
  IsInvalid = is("Invalid", 422), IsBadRequest = is("BadRequest", 400), IsUnauthorized = is("Unauthorized", 401),
  IsForbidden = is("Forbidden", 403), IsTimeout = is("Timeout", 504), IsServerTimeout = is("ServerTimeout"),
  IsTooManyRequests = is("TooManyRequests", 429), IsMethodNotSupported = is("MethodNotAllowed", 405),
  IsInternalError = is("InternalError", 500), IsServiceUnavailable = is("ServiceUnavailable", 503),
}
k8s.errors.IsGone = function(e) return is("Gone", 410)(e) or is("Expired")(e) end
k8s.errors.IsExpired = is("Expired")
k8s.errors.Error = Error

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

-- Query strings ------------------------------------------------------------------------------

local function escape(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

local function query(options, extra)
  local keys, parts = {}, {}
  for k in pairs(options or {}) do keys[#keys + 1] = k end
  for k in pairs(extra or {}) do if (options or {})[k] == nil then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = (options or {})[k]
    if v == nil then v = extra[k] end
    if type(v) == "boolean" then v = v and "true" or "false" end
    parts[#parts + 1] = escape(k) .. "=" .. escape(v)
  end
  if #parts == 0 then return "" end
  return "?" .. table.concat(parts, "&")
end

-- The client ---------------------------------------------------------------------------------

local Client = { __name = "k8s.Client" }
Client.__index = Client

-- Sends a request; with `decode`, a successful answer's body comes decoded (a table).
local function send(client, verb, target, body, contentType, timeout, headers, decode)
  local encoded = body
  if type(body) == "table" then encoded = json.encode(body) end
  local status, answer, responseHeaders = client._h:request(verb, target, encoded, contentType, timeout, headers, decode)
  if status == nil then error(failure(answer, responseHeaders), 0) end
  return status, answer, responseHeaders
end

-- A write's options with dryRun=All when the command line asked for dry runs.
local function writeOptions(options)
  if not host.dryrun() then return options end
  local copy = {}
  for k, v in pairs(options or {}) do copy[k] = v end
  copy.dryRun = "All"
  return copy
end

-- Sends a request and returns the decoded answer, raising the Status of a failure.
local function call(client, verb, target, body, contentType)
  local status, answer = send(client, verb, target, body, contentType, nil, nil, true)
  if status < 200 or status > 299 then error(statusError(status, answer), 0) end
  return answer
end

function k8s.client(options)
  if options ~= nil and type(options) ~= "table" then raise("bad argument #1 to 'client' (table expected)") end
  local handle = host.new(options or {})
  return setmetatable({ _h = handle, _ns = handle:namespace(), _resources = {} }, Client)
end

function Client:Namespace() return self._ns end
function Client:Server() return self._h:server() end

-- RESTClient (rest.Request) --------------------------------------------------------------------

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
    return setmetatable({ _client = self._client, _verb = verb:upper(), _group = self._group, _version = self._version,
                          _params = {}, _headers = {}, _patchType = patchType }, Request)
  end
end
function RESTClient:Verb(verb) return self[verb:sub(1, 1):upper() .. verb:sub(2):lower()](self) end

local function segment(self, field, value, what)
  if self._err then return self end
  if type(value) ~= "string" or value == "" or value:find("/") or value == "." or value == ".." then
    self._err = ("invalid %s %q"):format(what, tostring(value))
  elseif self[field] ~= nil then
    self._err = ("%s already set to %q, cannot change to %q"):format(what, self[field], value)
  else
    self[field] = value
  end
  return self
end
function Request:Namespace(ns) if ns == nil or ns == "" then return self end return segment(self, "_namespace", ns, "namespace") end
function Request:Resource(r) return segment(self, "_resource", r, "resource") end
function Request:Name(n) return segment(self, "_name", n, "resource name") end
function Request:SubResource(s) return segment(self, "_subresource", s, "subresource") end
function Request:Param(k, v) self._params[k] = v return self end
function Request:SetHeader(k, v) self._headers[k] = v return self end
function Request:Timeout(seconds) self._timeout = seconds return self end
function Request:AbsPath(path) self._abspath = path return self end
function Request:Body(body) self._body = body return self end

function Request:URL()
  local path = self._abspath
  if not path then
    path = self._group == "" and ("/api/" .. self._version) or ("/apis/" .. self._group .. "/" .. self._version)
    if self._namespace and (self._resource or self._name) then path = path .. "/namespaces/" .. self._namespace end
    if self._resource then path = path .. "/" .. self._resource end
    if self._name then path = path .. "/" .. self._name end
    if self._subresource then path = path .. "/" .. self._subresource end
  end
  return path .. query(self._params)
end

local patchTypes = {
  json = "application/json-patch+json", merge = "application/merge-patch+json",
  strategic = "application/strategic-merge-patch+json", apply = "application/apply-patch+yaml",
}

function Request:Do()
  if self._err then error(transportError(self._err), 2) end
  local contentType
  if self._verb == "PATCH" then contentType = patchTypes[self._patchType or "merge"] or self._patchType end
  if self._body ~= nil and not contentType then contentType = "application/json" end
  local status, text, headers = send(self._client, self._verb, self:URL(), self._body, contentType, self._timeout, self._headers)
  return setmetatable({ _status = status, _body = text, _headers = headers }, Result)
end

function Result:StatusCode() return self._status end
function Result:Raw() return self._body end
function Result:Headers() return self._headers end
function Result:Error()
  if self._status >= 200 and self._status <= 299 then return nil end
  return statusError(self._status, self._body)
end
function Result:Into()
  local err = self:Error()
  if err then error(err, 2) end
  if self._body == "" then return nil end
  return json.decode(self._body)
end

-- Resources: one interface for typed and dynamic clients ---------------------------------------

local Resource = { __name = "k8s.ResourceInterface" }
Resource.__index = Resource

local function newResource(client, info, namespace)
  if not info.namespaced then namespace = nil end
  return setmetatable({ _client = client, _info = info, _ns = namespace }, Resource)
end

function Resource:Namespace(ns) return newResource(self._client, self._info, ns) end
function Resource:Info() return self._info end

function Resource:path(name, subresource, ignoreNamespace)
  local info = self._info
  local path = info.group == "" and ("/api/" .. info.version) or ("/apis/" .. info.group .. "/" .. info.version)
  if self._ns and not ignoreNamespace then path = path .. "/namespaces/" .. self._ns end
  path = path .. "/" .. info.resource
  if name ~= nil then
    if type(name) ~= "string" or name == "" or name:find("/") then raise(("invalid resource name %q"):format(tostring(name))) end
    path = path .. "/" .. name
  end
  if subresource then path = path .. "/" .. subresource end
  return path
end

local function nameOf(object)
  local name = type(object) == "table" and type(object.metadata) == "table" and object.metadata.name
  if type(name) ~= "string" or name == "" then raise("the object has no metadata.name") end
  return name
end

function Resource:Get(name, options) return call(self._client, "GET", self:path(name) .. query(options)) end
function Resource:List(options) return call(self._client, "GET", self:path() .. query(options)) end
function Resource:Create(object, options)
  return call(self._client, "POST", self:path() .. query(writeOptions(options)), object)
end
function Resource:Update(object, options)
  return call(self._client, "PUT", self:path(nameOf(object)) .. query(writeOptions(options)), object)
end
function Resource:UpdateStatus(object, options)
  return call(self._client, "PUT", self:path(nameOf(object), "status") .. query(writeOptions(options)), object)
end
function Resource:GetScale(name) return call(self._client, "GET", self:path(name, "scale")) end
function Resource:UpdateScale(name, scale, options)
  return call(self._client, "PUT", self:path(name, "scale") .. query(writeOptions(options)), scale)
end
function Resource:Patch(name, patchType, patch, options, subresource)
  local contentType = patchTypes[patchType]
  if not contentType then raise(("unknown patch type %q (json, merge, strategic or apply)"):format(tostring(patchType))) end
  return call(self._client, "PATCH", self:path(name, subresource) .. query(writeOptions(options)), patch, contentType)
end
function Resource:Apply(object, options)
  options = options or {}
  local params = { fieldManager = options.fieldManager or "kubescript" }
  if options.force then params.force = "true" end
  if options.dryRun then params.dryRun = options.dryRun end
  return call(self._client, "PATCH", self:path(nameOf(object)) .. query(writeOptions(params)), object, patchTypes.apply)
end

local function deleteBody(options)
  local body = { kind = "DeleteOptions", apiVersion = "v1" }
  for k, v in pairs(options or {}) do body[k] = v end
  local params = {}
  if host.dryrun() then body.dryRun = "All" end
  if body.dryRun then
    params.dryRun = type(body.dryRun) == "table" and body.dryRun[1] or body.dryRun
    body.dryRun = k8s.array { params.dryRun }
  end
  return body, params
end
function Resource:Delete(name, options)
  local body, params = deleteBody(options)
  return call(self._client, "DELETE", self:path(name) .. query(params), body)
end
function Resource:DeleteCollection(options, listOptions)
  local body, params = deleteBody(options)
  for k, v in pairs(listOptions or {}) do params[k] = v end
  return call(self._client, "DELETE", self:path() .. query(params), body)
end

-- Watch(options) → an iterator of { type =, object = } that ends with the watch. The loop's
-- fourth value closes the watch as soon as the loop ends, by its end, a break, a return or an
-- error (a to-be-closed value of the generic for).
local WatchCloser = { __name = "k8s.WatchCloser", __close = function(closer) closer.stream:stop() end }
function Resource:Watch(options)
  local stream, message, status = self._client._h:watch(self:path() .. query(options, { watch = "true" }))
  if not stream then error(failure(message, status), 2) end
  return function()
    local event, problem, failed = stream:next()
    if event == nil then
      if problem ~= nil then error(failure(problem, failed), 2) end
      return nil
    end
    if type(event) ~= "table" or type(event.type) ~= "string" or event.object == nil then
      stream:stop()
      error(transportError("a watch event is not an event: " .. json.encode(event)), 2)
    end
    if event.type == "ERROR" then error(errorOf(event.object, 500), 2) end
    return event
  end, nil, nil, setmetatable({ stream = stream }, WatchCloser)
end

-- ListAll(options): every page, as one list.
function Resource:ListAll(options, pageSize)
  local params = {}
  for k, v in pairs(options or {}) do params[k] = v end
  params.limit = params.limit or pageSize or 500
  local items = k8s.array()
  local list
  repeat
    list = self:List(params)
    for _, item in ipairs(list.items or {}) do items[#items + 1] = item end
    local token = list.metadata and list.metadata["continue"]
    params["continue"] = token
  until token == nil or token == ""
  list.items = items
  if list.metadata then list.metadata["continue"] = nil; list.metadata.remainingItemCount = nil end
  return list
end

-- The dynamic client -------------------------------------------------------------------------

local function decodeInfo(text, message, status)
  if not text then error(failure(message, status), 3) end
  return json.decode(text)
end

-- Resource{ group =, version =, resource = }: any resource, CRDs included.
function Client:Resource(gvr)
  if type(gvr) ~= "table" or type(gvr.resource) ~= "string" then raise("bad argument #1 to 'Resource' (GroupVersionResource expected)") end
  local group, version = gvr.group or "", gvr.version or "v1"
  local key = group .. "/" .. version .. "/" .. gvr.resource
  local function find(list)
    for _, candidate in ipairs(list) do
      if candidate.group == group and candidate.version == version and candidate.resource == gvr.resource then return candidate end
    end
  end
  local info = self._resources[key]
  if not info then
    -- built in, else what discovery knows, else what it knows once refreshed
    info = find(k8s.builtin) or find(decodeInfo(self._h:resources()))
    if not info then
      self._h:invalidate()
      info = find(decodeInfo(self._h:resources()))
    end
    if not info then
      -- unknown to discovery: assume namespaced, as a dynamic client does not check
      info = { group = group, version = version, resource = gvr.resource, kind = "", namespaced = true }
    end
    self._resources[key] = info
  end
  return newResource(self, info, nil)
end

-- The typed ClientSet: c:AppsV1():Deployments(ns), c:CoreV1():Nodes() ----------------------

k8s.builtin = json.decode(host.builtin())

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
  local method = methodName(info.kind, info.resource)
  if info.namespaced then
    accessor[method] = function(self, namespace)
      if namespace == nil then namespace = self._client._ns end
      if namespace == "" then namespace = nil end  -- all namespaces
      return newResource(self._client, info, namespace)
    end
  else
    accessor[method] = function(self) return newResource(self._client, info, nil) end
  end
end

-- The discovery client -----------------------------------------------------------------------

local Discovery = { __name = "k8s.DiscoveryClient" }
Discovery.__index = Discovery
function Client:Discovery() return setmetatable({ _client = self }, Discovery) end
function Discovery:ServerVersion() return call(self._client, "GET", "/version") end
function Discovery:resources() return decodeInfo(self._client._h:resources()) end
function Discovery:ServerGroups()
  local core = call(self._client, "GET", "/api")
  local list = call(self._client, "GET", "/apis")
  local served = k8s.array { { name = "", versions = k8s.array { { groupVersion = "v1", version = "v1" } },
                               preferredVersion = { groupVersion = "v1", version = "v1" } } }
  for _, g in ipairs(list.groups or {}) do served[#served + 1] = g end
  return { kind = "APIGroupList", apiVersion = "v1", groups = served, serverAddressByClientCIDRs = core and core.serverAddressByClientCIDRs }
end
-- APIResourceLists, each resource followed by its subresources (`deployments/scale`, with the
-- group and version of the kind it answers with when they are not the list's) unless `only`.
local function resourceLists(resources, filter, only)
  local lists, order = {}, {}
  for _, r in ipairs(resources) do
    local gv = r.group == "" and r.version or (r.group .. "/" .. r.version)
    if not filter or filter(gv, r) then
      if not lists[gv] then lists[gv] = { kind = "APIResourceList", apiVersion = "v1", groupVersion = gv, resources = k8s.array() }; order[#order + 1] = gv end
      local entry = { name = r.resource, singularName = r.singular, namespaced = r.namespaced, kind = r.kind,
                      verbs = k8s.array(r.verbs), shortNames = #r.shortNames > 0 and k8s.array(r.shortNames) or nil }
      table.insert(lists[gv].resources, entry)
      for _, sub in ipairs(only and {} or r.subresources) do
        local elsewhere = sub.group ~= r.group or sub.version ~= r.version
        table.insert(lists[gv].resources, { name = r.resource .. "/" .. sub.name, singularName = "", namespaced = r.namespaced,
                                            group = elsewhere and sub.group or nil, version = elsewhere and sub.version or nil,
                                            kind = sub.kind, verbs = k8s.array(sub.verbs) })
      end
    end
  end
  local result = k8s.array()
  for _, gv in ipairs(order) do result[#result + 1] = lists[gv] end
  return result
end
function Discovery:ServerGroupsAndResources()
  return self:ServerGroups().groups, resourceLists(self:resources())
end
function Discovery:ServerResourcesForGroupVersion(gv)
  return resourceLists(self:resources(), function(name) return name == gv end)[1]
    or error(statusError(404, json.encode { kind = "Status", code = 404, reason = "NotFound",
                                            message = "the server could not find the requested resource" }), 2)
end
function Discovery:ServerPreferredResources()
  local preferred, seen = {}, {}
  for _, r in ipairs(self:resources()) do
    local key = r.group .. "/" .. r.resource
    if not seen[key] then seen[key] = true; preferred[#preferred + 1] = r end
  end
  return resourceLists(preferred, nil, "resources only")  -- client-go leaves subresources out
end
function Discovery:Invalidate() self._client._h:invalidate() end

-- kubectl-style conveniences -------------------------------------------------------------------

function Client:ResourceFor(name)
  local info = decodeInfo(self._h:resolve(name))
  return newResource(self, info, info.namespaced and self._ns or nil)
end

local function resourceOf(client, object)
  local info = decodeInfo(client._h:kind(object.apiVersion or "", object.kind or ""))
  local ns = object.metadata and object.metadata.namespace or client._ns
  return newResource(client, info, info.namespaced and ns or nil)
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
    r = r:Namespace(options.namespace ~= "" and options.namespace or nil)
    local copy = {}
    for k, v in pairs(options) do if k ~= "namespace" then copy[k] = v end end
    options = copy
  end
  return r:List(options)
end

function Client:Delete(object, options)
  return resourceOf(self, object):Delete(nameOf(object), options)
end

-- Apply(objectOrListOrYAML, { fieldManager =, force = }): server-side apply of each object,
-- namespaces and CRDs first; returns the applied objects.
function Client:Apply(input, options)
  local objects = input
  if type(input) == "string" then objects = k8s.yaml.decodeAll(input) end
  if type(objects) ~= "table" then raise("bad argument #1 to 'Apply' (object, list or YAML expected)") end
  if objects.kind ~= nil then
    if objects.items ~= nil and objects.kind:match("List$") then objects = objects.items else objects = { objects } end
  end
  local function rank(o)
    if o.kind == "Namespace" then return 0 elseif o.kind == "CustomResourceDefinition" then return 1 else return 2 end
  end
  local ordered = {}
  for i, o in ipairs(objects) do ordered[#ordered + 1] = { i = i, o = o } end
  table.sort(ordered, function(a, b)
    if rank(a.o) ~= rank(b.o) then return rank(a.o) < rank(b.o) end
    return a.i < b.i
  end)
  local applied = k8s.array()
  for _, entry in ipairs(ordered) do
    local o = entry.o
    applied[#applied + 1] = resourceOf(self, o):Apply(o, options)
    if o.kind == "CustomResourceDefinition" then self._h:invalidate() end
  end
  return applied
end

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
      error(newError { code = 0, reason = "Timeout", message = ("timed out after %gs waiting for the condition"):format(timeout) }, 0)
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
  options = options or {}
  local timeout = options.timeout or 60
  local r = resourceOf(self, object)
  local name = nameOf(object)
  local deadline = os.time() + timeout
  local current = r:Get(name)
  while not conditionHolds(current, condition) do
    local remaining = deadline - os.time()
    if remaining <= 0 then
      error(newError { code = 0, reason = "Timeout",
        message = ("timed out after %gs waiting for %s %q to be %s"):format(timeout, object.kind or "object", name, condition) }, 0)
    end
    for event in r:Watch { fieldSelector = "metadata.name=" .. name, resourceVersion = current.metadata.resourceVersion,
                           timeoutSeconds = math.max(1, math.floor(remaining)) } do
      if event.type == "DELETED" then
        error(statusError(404, json.encode { kind = "Status", code = 404, reason = "NotFound",
          message = ("%s %q was deleted while waiting for %s"):format(object.kind or "object", name, condition) }), 2)
      end
      if event.type ~= "BOOKMARK" then current = event.object end
      if conditionHolds(current, condition) then break end
    end
  end
  return current
end
-- Printing: k8s.format(x, "yaml"|"json"|"table") and k8s.print(x, format) -----------------

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

local function count(t) local n = 0 for _ in pairs(t or {}) do n = n + 1 end return n end

-- kubectl's usual columns per kind (after NAME, before AGE).
local columns = {
  Pod = { { "READY", function(o)
      local ready, total = 0, 0
      for _, s in ipairs(o.status and o.status.containerStatuses or {}) do total = total + 1; if s.ready then ready = ready + 1 end end
      if total == 0 then total = #(o.spec and o.spec.containers or {}) end
      return ready .. "/" .. total
    end },
    { "STATUS", function(o) return o.metadata.deletionTimestamp and "Terminating" or (o.status and o.status.phase or "") end },
    { "RESTARTS", function(o)
      local n = 0
      for _, s in ipairs(o.status and o.status.containerStatuses or {}) do n = n + (s.restartCount or 0) end
      return tostring(n)
    end } },
  Deployment = { { "READY", function(o) return ("%d/%d"):format(o.status and o.status.readyReplicas or 0, o.spec and o.spec.replicas or 1) end },
    { "UP-TO-DATE", function(o) return tostring(o.status and o.status.updatedReplicas or 0) end },
    { "AVAILABLE", function(o) return tostring(o.status and o.status.availableReplicas or 0) end } },
  ReplicaSet = { { "DESIRED", function(o) return tostring(o.spec and o.spec.replicas or 1) end },
    { "CURRENT", function(o) return tostring(o.status and o.status.replicas or 0) end },
    { "READY", function(o) return tostring(o.status and o.status.readyReplicas or 0) end } },
  Service = { { "TYPE", function(o) return o.spec and o.spec.type or "ClusterIP" end },
    { "CLUSTER-IP", function(o) return o.spec and o.spec.clusterIP or "<none>" end },
    { "EXTERNAL-IP", function(o)
      local spec, addresses = o.spec or {}, {}
      if spec.type == "ExternalName" then return spec.externalName or "<none>" end
      if spec.type == "LoadBalancer" then
        for _, i in ipairs(o.status and o.status.loadBalancer and o.status.loadBalancer.ingress or {}) do addresses[#addresses + 1] = i.ip or i.hostname end
      end
      for _, ip in ipairs(spec.externalIPs or {}) do addresses[#addresses + 1] = ip end
      if #addresses > 0 then return table.concat(addresses, ",") end
      return spec.type == "LoadBalancer" and "<pending>" or "<none>"
    end },
    { "PORT(S)", function(o)
      local ports = {}
      for _, p in ipairs(o.spec and o.spec.ports or {}) do
        ports[#ports + 1] = p.nodePort and ("%s:%s/%s"):format(p.port, p.nodePort, p.protocol or "TCP") or ("%s/%s"):format(p.port, p.protocol or "TCP")
      end
      return #ports > 0 and table.concat(ports, ",") or "<none>"
    end } },
  Endpoints = { { "ENDPOINTS", function(o)
      local addresses = {}
      for _, subset in ipairs(o.subsets or {}) do
        for _, a in ipairs(subset.addresses or {}) do
          if #(subset.ports or {}) == 0 then addresses[#addresses + 1] = a.ip end
          for _, p in ipairs(subset.ports or {}) do addresses[#addresses + 1] = a.ip .. ":" .. p.port end
        end
      end
      if #addresses == 0 then return "<none>" end
      local shown = table.concat(addresses, ",", 1, math.min(3, #addresses))
      return #addresses > 3 and ("%s + %d more..."):format(shown, #addresses - 3) or shown
    end } },
  StatefulSet = { { "READY", function(o) return ("%d/%d"):format(o.status and o.status.readyReplicas or 0, o.spec and o.spec.replicas or 1) end } },
  DaemonSet = { { "DESIRED", function(o) return tostring(o.status and o.status.desiredNumberScheduled or 0) end },
    { "CURRENT", function(o) return tostring(o.status and o.status.currentNumberScheduled or 0) end },
    { "READY", function(o) return tostring(o.status and o.status.numberReady or 0) end },
    { "UP-TO-DATE", function(o) return tostring(o.status and o.status.updatedNumberScheduled or 0) end },
    { "AVAILABLE", function(o) return tostring(o.status and o.status.numberAvailable or 0) end } },
  Namespace = { { "STATUS", function(o) return o.status and o.status.phase or "" end } },
  Node = { { "STATUS", function(o)
      for _, c in ipairs(o.status and o.status.conditions or {}) do if c.type == "Ready" then return c.status == "True" and "Ready" or "NotReady" end end
      return "Unknown"
    end },
    { "VERSION", function(o) return o.status and o.status.nodeInfo and o.status.nodeInfo.kubeletVersion or "" end } },
  ConfigMap = { { "DATA", function(o) return tostring(count(o.data) + count(o.binaryData)) end } },
  Secret = { { "TYPE", function(o) return o.type or "Opaque" end }, { "DATA", function(o) return tostring(count(o.data)) end } },
  Job = { { "COMPLETIONS", function(o) return ("%d/%d"):format(o.status and o.status.succeeded or 0, o.spec and o.spec.completions or 1) end } },
}

-- The objects of a list (or a list of objects), their kind, and whether they span namespaces.
local function objectsOf(x)
  if type(x) ~= "table" then return nil end
  local items, kind = nil, nil
  if type(x.items) == "table" and type(x.kind) == "string" and x.kind:match("List$") then
    items, kind = x.items, x.kind:gsub("List$", "")
  elseif #x > 0 and type(x[1]) == "table" and type(x[1].metadata) == "table" then
    items, kind = x, x[1].kind
  elseif type(x.metadata) == "table" and type(x.kind) == "string" and x.kind ~= "Status" then
    items, kind = { x }, x.kind
  end
  return items, kind
end

-- k8s.format(x [, "yaml"|"json"|"table"]) → the text, and the format used: without one, lists
-- of objects as a table, anything else as YAML.
function k8s.format(x, format)
  if format == nil then
    local items = objectsOf(x)
    format = items and (x.items or #x > 0) and "table" or "yaml"
  end
  if format == "json" then return k8s.json.encode(x, { indent = 2 }), format end
  if format == "yaml" then return k8s.yaml.encode(x), format end
  if format ~= "table" then raise(("unknown format %q (yaml, json or table)"):format(tostring(format))) end
  local items, kind = objectsOf(x)
  if not items then raise("a table needs a list of objects or an object") end
  local namespaces = {}
  for _, o in ipairs(items) do if o.metadata.namespace then namespaces[o.metadata.namespace] = true end end
  local spans = count(namespaces) > 1
  local header = {}
  if spans then header[#header + 1] = "NAMESPACE" end
  header[#header + 1] = "NAME"
  local extra = columns[kind] or {}
  for _, column in ipairs(extra) do header[#header + 1] = column[1] end
  header[#header + 1] = "AGE"
  local rows = { header }
  for _, o in ipairs(items) do
    local row = {}
    if spans then row[#row + 1] = o.metadata.namespace or "" end
    row[#row + 1] = o.metadata.name or ""
    for _, column in ipairs(extra) do
      local ok, value = pcall(column[2], o)
      row[#row + 1] = ok and tostring(value) or ""
    end
    row[#row + 1] = age(o.metadata.creationTimestamp)
    rows[#rows + 1] = row
  end
  if #items == 0 then return "No resources found.", format end
  local widths = {}
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, utf8.len(cell) or #cell) end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(row) do cells[i] = i < #row and (cell .. (" "):rep(widths[i] - (utf8.len(cell) or #cell) + 3)) or cell end
    lines[#lines + 1] = table.concat(cells)
  end
  return table.concat(lines, "\n"), format
end

-- k8s.print(x [, "yaml"|"json"|"table"]): as k8s.format gives it; values that are not tables
-- with tostring.
function k8s.print(x, format)
  if type(x) ~= "table" and format == nil then print(tostring(x)) return end
  print((k8s.format(x, format):gsub("\n$", "")))
end
