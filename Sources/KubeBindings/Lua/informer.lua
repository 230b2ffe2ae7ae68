-- Informers, as client-go's shared informers (tools/cache): a cache of one resource kept by the
-- Swift Reflector's list-and-watch (relists after a 410 give only the differences), event
-- handlers, indexers and listers. One informer (one watch) per client, resource and selectors,
-- however many ask for it. Its loop is a task (Lua/tasks.lua).
local host, k8s, internal = ...
local Client, tasks, raise = internal.Client, internal.tasks, internal.raise

local Informer = { __name = "k8s.Informer" }
Informer.__index = Informer
local Store = { __name = "k8s.Store" }
Store.__index = Store
local Lister = { __name = "k8s.Lister" }
Lister.__index = Lister

-- k8s.deepcopy(value): a copy sharing nothing with value (k8s.null, arrays and objects kept).
function k8s.deepcopy(value)
  if type(value) ~= "table" then return value end
  return k8s.json.decode(k8s.json.encode(value))
end

-- "namespace/name", or "name" for a cluster-scoped object (cache.MetaNamespaceKeyFunc).
local function keyOf(object)
  local metadata = object.metadata or {}
  if metadata.namespace and metadata.namespace ~= "" then return metadata.namespace .. "/" .. metadata.name end
  return metadata.name
end
k8s.MetaNamespaceKey = keyOf

-- c:Informer(resourceClient [, { labelSelector =, fieldSelector =, resync = seconds,
-- detectMutations = true }]) → the shared informer of that resource and selectors.
function Client:Informer(resource, options)
  if getmetatable(resource) == nil or resource._r == nil then raise("bad argument #1 to 'Informer' (a resource client expected)") end
  options = options or {}
  local info = resource:Info()
  local key = table.concat({ info.group, info.version, info.resource, resource._r:namespace() or "",
                             options.labelSelector or "", options.fieldSelector or "" }, "|")
  self._informers = self._informers or {}
  local shared = self._informers[key]
  if shared then
    -- client-go keeps the shortest resync period any sharer asked for
    if options.resync and (shared._resync == nil or options.resync < shared._resync) then shared._resync = options.resync end
    return shared
  end
  local query = { labelSelector = options.labelSelector, fieldSelector = options.fieldSelector }
  shared = setmetatable({
    _resource = resource, _source = resource._r:informerSource(query), _handlers = {}, _items = {}, _indexers = {},
    _indices = {}, _synced = false, _resync = options.resync, _detect = options.detectMutations, _snapshots = {},
  }, Informer)
  self._informers[key] = shared
  return shared
end

-- inf:AddEventHandler{ OnAdd = fn(obj, isInInitialList), OnUpdate = fn(old, new),
-- OnDelete = fn(obj) }. A handler added once the cache is filled is first told of every object
-- (OnAdd, isInInitialList true), as client-go does. An object deleted while the watch was away
-- comes to OnDelete as { DeletedFinalStateUnknown = true, key =, obj = the last one seen }.
function Informer:AddEventHandler(handler)
  if type(handler) ~= "table" then raise("bad argument #1 to 'AddEventHandler' (a table of functions expected)") end
  self._handlers[#self._handlers + 1] = handler
  if self._synced and handler.OnAdd then
    for _, object in pairs(self._items) do handler.OnAdd(object, true) end
  end
  return handler
end

-- inf:AddIndexers{ name = fn(obj) → list of index values }.
function Informer:AddIndexers(indexers)
  for name, fn in pairs(indexers) do
    if self._indexers[name] then raise(("indexer %q already exists"):format(name)) end
    self._indexers[name] = fn
    self._indices[name] = {}
    for key, object in pairs(self._items) do
      for _, value in ipairs(fn(object) or {}) do
        self._indices[name][value] = self._indices[name][value] or {}
        self._indices[name][value][key] = true
      end
    end
  end
end

local function index(informer, key, object, add)
  for name, fn in pairs(informer._indexers) do
    for _, value in ipairs(fn(object) or {}) do
      local bucket = informer._indices[name][value]
      if add then
        bucket = bucket or {}
        informer._indices[name][value] = bucket
        bucket[key] = true
      elseif bucket then
        bucket[key] = nil
        if next(bucket) == nil then informer._indices[name][value] = nil end
      end
    end
  end
end

local function notify(informer, method, ...)
  for _, handler in ipairs(informer._handlers) do
    if handler[method] then handler[method](...) end
  end
end

-- With detectMutations, each cached object is compared with its copy from when it was cached
-- (client-go's cache mutation detector): a handler that changed one raises here.
local function checkMutations(informer)
  if not informer._detect then return end
  for key, object in pairs(informer._items) do
    if k8s.json.encode(object) ~= informer._snapshots[key] then
      error(("a cached object was changed: %s (%s); change a copy, k8s.deepcopy(obj)"):format(key, object.kind or "object"), 0)
    end
  end
end

local function apply(informer, event, initial)
  local object = event.object
  local key = keyOf(object)
  local old = informer._items[key]
  if event.type == "DELETED" then
    if old then index(informer, key, old, false) end
    informer._items[key], informer._snapshots[key] = nil, nil
    if event.finalStateUnknown then
      notify(informer, "OnDelete", { DeletedFinalStateUnknown = true, key = key, obj = old or object })
    else
      notify(informer, "OnDelete", old or object)
    end
    return
  end
  if old then index(informer, key, old, false) end
  informer._items[key] = object
  if informer._detect then informer._snapshots[key] = k8s.json.encode(object) end
  index(informer, key, object, true)
  if old then notify(informer, "OnUpdate", old, object) else notify(informer, "OnAdd", object, initial) end
end

-- How many informers run and how many of them have synced, for the process's /readyz.
local running, synced = 0, 0
local function report() host.informers(running, synced) end

-- inf:Start() → the informer's task: it fills the cache, tells the handlers, and runs until the
-- task is cancelled (or the script ends). Starting twice starts once.
function Informer:Start()
  if self._task then return self._task end
  local source = self._source
  running = running + 1
  report()
  self._task = k8s.go(function()
    source:start()
    local nextResync = self._resync and host.now() + self._resync
    while true do
      local ok, err = pcall(tasks.waitFor, function() return source:ready() end, nextResync, true)
      if not ok then source:stop(); error(err, 0) end
      checkMutations(self)
      local events, done = source:take()
      if events == nil then source:stop(); error(done, 0) end  -- the reflector failed: (nil, error)
      for _, event in ipairs(events) do apply(self, event, not self._synced) end
      if done and not self._synced then
        self._synced = true
        synced = synced + 1
        report()
      end
      if nextResync and host.now() >= nextResync then
        -- a resync hands every cached object to OnUpdate again, as client-go's
        for _, object in pairs(self._items) do notify(self, "OnUpdate", object, object) end
        nextResync = host.now() + self._resync
      end
    end
  end)
  return self._task
end

function Informer:Stop()
  if self._task and not self._stopped then
    self._stopped = true
    self._task:cancel()
    running = running - 1
    if self._synced then synced = synced - 1 end
    report()
  end
  self._source:stop()
end

function Informer:HasSynced() return self._synced end

-- k8s.WaitForCacheSync(inf, ...): waits until every informer has its first list.
function k8s.WaitForCacheSync(...)
  local list = { ... }
  tasks.waitFor(function()
    for _, informer in ipairs(list) do
      if informer._task and informer._task:done() then return true end  -- failed: wait raises it below
      if not informer._synced then return false end
    end
    return true
  end, nil, true)
  for _, informer in ipairs(list) do
    if informer._task and informer._task:done() then informer._task:wait() end
  end
  return true
end

-- The cache -----------------------------------------------------------------------------------

function Informer:Store() return setmetatable({ _informer = self }, Store) end

function Store:ListKeys()
  local keys = k8s.array()
  for key in pairs(self._informer._items) do keys[#keys + 1] = key end
  table.sort(keys)
  return keys
end

function Store:List()
  local list = k8s.array()
  for i, key in ipairs(self:ListKeys()) do list[i] = self._informer._items[key] end
  return list
end

function Store:GetByKey(key) return self._informer._items[key] end

-- store:ByIndex(name, value) → the cached objects the indexer filed under value.
function Store:ByIndex(name, value)
  local bucket = self._informer._indices[name]
  if bucket == nil then raise(("no indexer %q"):format(tostring(name))) end
  local keys = {}
  for key in pairs(bucket[value] or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  local list = k8s.array()
  for i, key in ipairs(keys) do list[i] = self._informer._items[key] end
  return list
end

function Informer:Lister() return setmetatable({ _informer = self }, Lister) end

-- lister:List{ labelSelector = } → the cached objects the selector selects.
function Lister:List(options)
  local selector = options and options.labelSelector
  local list = k8s.array()
  for _, object in ipairs(self._informer:Store():List()) do
    if not selector or host.selects(selector, object.metadata.labels or {}) then list[#list + 1] = object end
  end
  return list
end

-- lister:Get(name [, namespace]) → the cached object, or a NotFound error as the API gives it.
function Lister:Get(name, namespace)
  local key = namespace and namespace ~= "" and (namespace .. "/" .. name) or name
  local object = self._informer._items[key]
  if object == nil then
    local info = self._informer._resource:Info()
    error(internal.failure(404, { kind = "Status", code = 404, reason = "NotFound",
      message = ("%s%s %q not found"):format(info.resource, info.group ~= "" and ("." .. info.group) or "", name) }), 0)
  end
  return object
end
