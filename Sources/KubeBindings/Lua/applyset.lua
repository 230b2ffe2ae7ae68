-- Apply sets (KEP-3659, kubectl's apply/applyset.go): a parent object (a Secret or ConfigMap)
-- labelled with the set's id and annotated with its tooling, the group-kinds and the namespaces
-- of its members; members labelled applyset.kubernetes.io/part-of=<id>. Applying with prune
-- deletes the members that were not applied this time, and nothing else. Parent, labels and
-- annotations are written exactly as kubectl writes them, so kubectl's
-- `apply --prune --applyset=` can manage a set kubescript made, and the reverse, when both name
-- the same tooling (tools refuse sets of other tools, as the KEP asks).
local host, k8s, internal = ...
local Client, resourceOf, nameOf, raise = internal.Client, internal.resourceOf, internal.nameOf, internal.raise

local ID_LABEL = "applyset.kubernetes.io/id"
local PART_OF_LABEL = "applyset.kubernetes.io/part-of"
local TOOLING = "applyset.kubernetes.io/tooling"
local KINDS = "applyset.kubernetes.io/contains-group-kinds"
local NAMESPACES = "applyset.kubernetes.io/additional-namespaces"

local ApplySet = { __name = "k8s.ApplySet" }
ApplySet.__index = ApplySet

-- The tool's name in `tooling` ("kubectl/v1.37.1" → "kubectl"), as kubectl's toolingBaseName.
local function toolingName(value)
  return value:match("^(.*)/[^/]*$") or value
end

local function groupOf(apiVersion)
  return apiVersion:match("^(.+)/[^/]+$") or ""
end

-- "Kind.group", or "Kind" for the core group (schema.GroupKind's String).
local function groupKind(kind, group)
  if group == "" then return kind end
  return kind .. "." .. group
end

local function sortedKeys(set)
  local list = {}
  for key in pairs(set) do list[#list + 1] = key end
  table.sort(list)
  return list
end

local function split(text)
  local list = {}
  for part in (text or ""):gmatch("[^,]+") do list[#list + 1] = part end
  return list
end

-- c:ApplySet{ name =, namespace = [, parent = "Secret" | "ConfigMap"] [, tooling = "kubescript/v0.1.0"]
-- [, fieldManager = "kubescript"] }: the set whose parent is that object.
function Client:ApplySet(options)
  if type(options) ~= "table" or type(options.name) ~= "string" then
    raise("bad argument #1 to 'ApplySet' (a table with name expected)")
  end
  local kind = options.parent or "Secret"
  if kind ~= "Secret" and kind ~= "ConfigMap" then raise(("an ApplySet's parent is a Secret or a ConfigMap, not %q"):format(kind)) end
  local namespace = options.namespace or self:Namespace()
  local set = setmetatable({
    _client = self, _kind = kind, _name = options.name, _namespace = namespace,
    _tooling = options.tooling or ("kubescript/v" .. host.version()),
    _fieldManager = options.fieldManager or "kubescript",
    _parents = kind == "Secret" and self:CoreV1():Secrets(namespace) or self:CoreV1():ConfigMaps(namespace),
  }, ApplySet)
  set._id = host.applysetID(options.name, namespace, kind, "")
  return set
end

function ApplySet:ID() return self._id end

-- The parent's members' group-kinds and namespaces as the server has them; {} for a new set.
-- Refuses a parent another tool manages, or one whose id is not this set's.
function ApplySet:current()
  local ok, parent = pcall(self._parents.Get, self._parents, self._name)
  if not ok then
    if k8s.errors.IsNotFound(parent) then return { kinds = {}, namespaces = { [self._namespace] = true } } end
    error(parent, 0)
  end
  local annotations, labels = parent.metadata.annotations or {}, parent.metadata.labels or {}
  local where = ("%s %s/%s"):format(self._kind, self._namespace, self._name)
  if annotations[TOOLING] == nil then
    raise(("ApplySet parent object %s already exists and is missing required annotation %q"):format(where, TOOLING))
  end
  if toolingName(annotations[TOOLING]) ~= toolingName(self._tooling) then
    raise(("ApplySet parent object %s already exists and is managed by tooling %q instead of %q")
      :format(where, toolingName(annotations[TOOLING]), toolingName(self._tooling)))
  end
  if labels[ID_LABEL] ~= self._id then
    raise(("ApplySet parent object %s exists and has incorrect value for label %q (got: %s, want: %s)")
      :format(where, ID_LABEL, tostring(labels[ID_LABEL]), self._id))
  end
  if annotations[KINDS] == nil then
    raise(("ApplySet parent object %s has no %q annotation, which kubectl and kubescript need"):format(where, KINDS))
  end
  local current = { kinds = {}, namespaces = { [self._namespace] = true } }
  for _, gk in ipairs(split(annotations[KINDS])) do current.kinds[gk] = true end
  for _, ns in ipairs(split(annotations[NAMESPACES])) do current.namespaces[ns] = true end
  return current
end

-- Server-side applies the parent with these group-kinds and namespaces.
function ApplySet:writeParent(kinds, namespaces, options)
  local others = {}
  for ns in pairs(namespaces) do if ns ~= self._namespace then others[ns] = true end end
  local parent = {
    apiVersion = "v1", kind = self._kind,
    metadata = {
      name = self._name, namespace = self._namespace, labels = { [ID_LABEL] = self._id },
      annotations = { [TOOLING] = self._tooling, [KINDS] = table.concat(sortedKeys(kinds), ","),
                      [NAMESPACES] = table.concat(sortedKeys(others), ",") },
    },
  }
  return self._parents:Apply(parent, { fieldManager = self._fieldManager .. "-applyset", force = true, dryRun = options.dryRun })
end

-- set:Apply(objectsOrYAML, { prune = true, dryRun =, force =, fieldManager = }) → { applied = {...},
-- pruned = { { kind =, namespace =, name = }, ... } }: labels each object as a member, records its
-- group-kind and namespace on the parent first (so an interrupted apply still knows its members),
-- applies them (c:Apply's order), then with prune deletes the members not applied this time and
-- leaves the parent listing exactly what is left.
function ApplySet:Apply(input, options)
  options = options or {}
  local objects = internal.objectsArgument(input, "Apply")
  local current = self:current()
  local updated = { kinds = {}, namespaces = { [self._namespace] = true } }
  local keep = {}
  self:Label(objects)
  for _, o in ipairs(objects) do
    local r = resourceOf(self._client, o)
    local namespace = r._r:namespace()
    if namespace and o.metadata.namespace == nil then o.metadata.namespace = self._namespace; namespace = self._namespace end
    if namespace then updated.namespaces[namespace] = true end
    updated.kinds[groupKind(o.kind, groupOf(o.apiVersion or ""))] = true
    keep[("%s/%s/%s"):format(groupKind(o.kind, groupOf(o.apiVersion or "")), namespace or "", nameOf(o))] = true
  end
  local union = { kinds = {}, namespaces = {} }
  for _, part in ipairs { "kinds", "namespaces" } do
    for key in pairs(current[part]) do union[part][key] = true end
    for key in pairs(updated[part]) do union[part][key] = true end
  end
  self:writeParent(union.kinds, union.namespaces, options)
  local applied = self._client:Apply(objects, { fieldManager = options.fieldManager or self._fieldManager, force = options.force,
                                                dryRun = options.dryRun })
  local pruned = k8s.array()
  if options.prune then
    for _, member in ipairs(self:Members(union)) do
      local key = ("%s/%s/%s"):format(groupKind(member.kind, groupOf(member.apiVersion)), member.metadata.namespace or "",
                                      member.metadata.name)
      if not keep[key] then
        resourceOf(self._client, member):Delete(member.metadata.name, { propagationPolicy = "Background", dryRun = options.dryRun })
        pruned[#pruned + 1] = { kind = member.kind, namespace = member.metadata.namespace, name = member.metadata.name }
      end
    end
    self:writeParent(updated.kinds, updated.namespaces, options)
  end
  return { applied = applied, pruned = pruned }
end

-- set:Label(objects): labels each object a member (applyset.kubernetes.io/part-of), as Apply
-- does; for a dry run or a diff of what Apply would send.
function ApplySet:Label(objects)
  for _, o in ipairs(objects) do
    o.metadata = o.metadata or {}
    o.metadata.labels = o.metadata.labels or {}
    if o.metadata.labels[PART_OF_LABEL] ~= nil then raise(("ApplySet label %q already set in input data"):format(PART_OF_LABEL)) end
    o.metadata.labels[PART_OF_LABEL] = self._id
  end
  return objects
end

-- set:Members() → every object labelled as a member, over the group-kinds and namespaces the parent
-- lists (one list per group-kind and namespace, all at once).
function ApplySet:Members(scope)
  scope = scope or self:current()
  local lists = {}
  for gk in pairs(scope.kinds) do
    local kind, group = gk:match("^([^.]+)%.(.+)$")
    if not kind then kind, group = gk, "" end
    local resource = self._client:ResourceFor(group == "" and kind or (kind .. "." .. group))
    if resource:Info().namespaced then
      for ns in pairs(scope.namespaces) do lists[#lists + 1] = resource:Namespace(ns) end
    else
      lists[#lists + 1] = resource
    end
  end
  local found = k8s.map(lists, function(r) return r:List { labelSelector = PART_OF_LABEL .. "=" .. self._id }.items end,
                        { workers = 8 })
  local members = k8s.array()
  for _, items in ipairs(found) do
    for _, item in ipairs(items) do members[#members + 1] = item end
  end
  return members
end

-- set:Delete(): deletes every member, then the parent.
function ApplySet:Delete()
  local members = self:Members()
  k8s.map(members, function(member)
    local ok, err = pcall(function() resourceOf(self._client, member):Delete(member.metadata.name) end)
    if not ok and not k8s.errors.IsNotFound(err) then error(err, 0) end
  end, { workers = 8 })
  self._parents:Delete(self._name)
  return members
end

ApplySet.__tostring = function(set) return ("ApplySet %s %s/%s (%s)"):format(set._kind, set._namespace, set._name, set._id) end
