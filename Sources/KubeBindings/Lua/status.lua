-- k8s.status(obj): an object's status by the rules of cli-utils' kstatus (sigs.k8s.io/cli-utils,
-- pkg/kstatus/status: Compute and its generic, core and util files), so a script waits for what
-- kubectl, Flux, Config Sync and kpt wait for. The result:
--   { status = "InProgress" | "Current" | "Failed" | "Terminating" | "NotFound" | "Unknown",
--     message = kstatus's message, conditions = kstatus's computed Reconciling/Stalled conditions }
-- Messages and reasons are kstatus's, word for word. Where kstatus leaves something open or
-- depends on Go, the comments marked "Choice:" say what we do instead.
local k8s = ...

local null = k8s.null
-- the conditions list is marked an array so that an empty one encodes as [] (as Go's empty slice)
local array = k8s.array

-- Results ------------------------------------------------------------------------------------

-- The error kstatus's Compute returns (a field of the wrong type, a pod phase it does not know).
-- kstatus's pollers report such an object as Unknown with the error; so do we.
local ComputeError = {}
local function fail(message, ...)
  error(setmetatable({ message = message:format(...) }, ComputeError), 0)
end

local function result(status, message, conditions)
  return { status = status, message = message, conditions = array(conditions or {}) }
end

local function condition(conditionType, reason, message)
  return { type = conditionType, status = "True", reason = reason, message = message }
end

local function current(message) return result("Current", message) end

-- newInProgressStatus: InProgress with a Reconciling condition carrying the same reason and message.
local function inProgress(reason, message)
  return result("InProgress", message, { condition("Reconciling", reason, message) })
end

-- newFailedStatus: Failed with a Stalled condition carrying the same reason and message.
local function failed(reason, message)
  return result("Failed", message, { condition("Stalled", reason, message) })
end

-- Reading fields -----------------------------------------------------------------------------

-- Choice: JSON null reads as an absent field everywhere. (Go's unstructured helpers see a null
-- leaf as present: metadata.generation: null would be an error, and Unknown; users expect "absent".)
local function absent(v) return v == nil or v == null end

-- A JSON value's kind (reflect.Kind), type (%T) and text (%v) in Go's words, for the messages of
-- the errors kstatus would return (apimachinery's accessors and converter write them so).
local function kind(v)
  local t = math.type(v)
  if t then return t == "integer" and "int64" or "float64" end
  if type(v) == "boolean" then return "bool" end
  if type(v) == "table" then return (next(v) ~= nil and #v > 0) and "slice" or "map" end
  return type(v)
end

local goTypes = { slice = "[]interface {}", map = "map[string]interface {}" }
local function goType(v) return goTypes[kind(v)] or kind(v) end

-- Choice: arrays and objects show as [...] and map[...], not their contents as Go's %v would.
local function goValue(v)
  if type(v) == "table" then return kind(v) == "slice" and "[...]" or "map[...]" end
  -- Go prints a whole float64 below 1e21 without a decimal point (2, not 2.0)
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e21 then return ("%d"):format(v) end
  return tostring(v)
end

-- The error of apimachinery's accessors (NestedFieldNoCopy, NestedInt64, NestedString, NestedSlice)
-- for a value of the wrong type at `path` or on the way to it, after kstatus's `context` if it adds one.
local function accessorError(context, path, v, expected)
  fail("%s%s accessor error: %s is of the type %s, expected %s", context, path, goValue(v), goType(v), expected)
end

-- A JSON array: a table whose keys are exactly 1..n (an empty table counts, having no other keys).
local function isArray(v)
  if type(v) ~= "table" or v == null then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

-- The value at a path (apimachinery's NestedFieldNoCopy): nil when a step is absent or null or
-- is not an object. A scalar on the way is an error for kstatus's strict readers, which pass the
-- `context` of its message (a string, "" for none); the lenient Get*Field readers pass false and
-- get their default instead.
local function lookup(obj, context, ...)
  local v = obj
  for i = 1, select("#", ...) do
    if absent(v) then return nil end
    if type(v) ~= "table" then
      if context then accessorError(context, "." .. table.concat({ ... }, ".", 1, i), v, "map[string]interface{}") end
      return nil
    end
    v = v[(select(i, ...))]
  end
  if absent(v) then return nil end
  return v
end

-- GetIntField / GetStringField / GetBoolField: the field when it has the type, else the default.
-- Go's decoder makes JSON integers int64 and others float64, which GetIntField ignores: so do we.
local function int(obj, default, ...)
  local v = lookup(obj, false, ...)
  if math.type(v) == "integer" then return v end
  return default
end

local function str(obj, default, ...)
  local v = lookup(obj, false, ...)
  if type(v) == "string" then return v end
  return default
end

local function bool(obj, default, ...)
  local v = lookup(obj, false, ...)
  if type(v) == "boolean" then return v end
  return default
end

-- NestedInt64 as checkGeneration uses it: the integer or nil, raising kstatus's error when the
-- field has another type.
local function strictInt(obj, ...)
  local path = table.concat({ ... }, ".")
  local context = ("looking up %s from resource: "):format(path)
  local v = lookup(obj, context, ...)
  if v ~= nil and math.type(v) ~= "integer" then accessorError(context, "." .. path, v, "int64") end
  return v
end

-- u.GetKind(): the kind, or "" when it is not a string.
local function kindOf(obj) return str(obj, "", "kind") end

-- The converter's error for a scalar where a condition's string field goes: Go converts integers
-- to strings (and refuses), and knows no conversion for the others.
local function convertError(v, target)
  if math.type(v) == "integer" then fail("cannot convert int64 to %s", target) end
  fail("unrecognized type: string")
end

-- Go's types of BasicCondition's fields, for the converter's messages.
local fieldTypes = { type = "string", status = "v1.ConditionStatus", reason = "string", message = "string" }

-- status.conditions as GetObjectWithConditions converts them into []BasicCondition: absent or null
-- give none; a null entry is an empty condition; a value of the wrong type is the converter's error.
local function conditions(obj)
  local status = obj.status
  if absent(status) then return {} end
  if type(status) ~= "table" or kind(status) == "slice" then fail("cannot restore struct from: %s", kind(status)) end
  local list = status.conditions
  if absent(list) then return {} end
  if not isArray(list) then fail("cannot restore slice from %s", kind(list)) end
  local out = {}
  for i, c in ipairs(list) do
    local entry = { type = "", status = "", reason = "", message = "" }
    if not absent(c) then
      if type(c) ~= "table" or kind(c) == "slice" then fail("cannot restore struct from: %s", kind(c)) end
      for field in pairs(entry) do
        local v = c[field]
        if not absent(v) then
          if type(v) ~= "string" then convertError(v, fieldTypes[field]) end
          entry[field] = v
        end
      end
    end
    out[i] = entry
  end
  return out
end

-- The first condition of a type with a status (getConditionWithStatus).
local function find(list, conditionType, status)
  for _, c in ipairs(list) do
    if c.type == conditionType and c.status == status then return c end
  end
  return nil
end

-- Generic properties (generic.go) ------------------------------------------------------------

-- checkGeneration: a generation the controller has not observed yet. kstatus compares with ~=,
-- so an observedGeneration ahead of the generation is InProgress as well.
local function checkGeneration(obj)
  local generation = strictInt(obj, "metadata", "generation")
  if generation == nil then return nil end
  local observed = strictInt(obj, "status", "observedGeneration")
  if observed ~= nil and observed ~= generation then
    local message = ("%s generation is %d, but latest observed generation is %d"):format(kindOf(obj), generation, observed)
    return result("InProgress", message, { condition("Reconciling", "LatestGenerationNotObserved", message) })
  end
  return nil
end

-- checkGenericProperties: deletion, generation, then the standard Reconciling and Stalled
-- conditions, which decide alone for any kind that sets them.
local function checkGenericProperties(obj)
  local context = "looking up metadata.deletionTimestamp from resource: "
  local deletion = lookup(obj, context, "metadata", "deletionTimestamp")
  if deletion ~= nil and type(deletion) ~= "string" then
    accessorError(context, ".metadata.deletionTimestamp", deletion, "string")
  end
  if deletion ~= nil and deletion ~= "" then return result("Terminating", "Resource scheduled for deletion") end

  local res = checkGeneration(obj)
  if res then return res end

  for _, c in ipairs(conditions(obj)) do
    if c.type == "Reconciling" and c.status == "True" then return inProgress(c.reason, c.message) end
    if c.type == "Stalled" and c.status == "True" then return failed(c.reason, c.message) end
  end
  return nil
end

-- checkReadyCondition: for kinds without rules, a Ready condition when there is one.
local function checkReadyCondition(obj)
  for _, c in ipairs(conditions(obj)) do
    if c.type == "Ready" then
      if c.status == "True" then return current("Resource is Ready") end
      -- kstatus treats Unknown as InProgress too; any other status is skipped
      if c.status == "False" or c.status == "Unknown" then return inProgress(c.reason, c.message) end
    end
  end
  return nil
end

-- Built-in kinds (core.go) -------------------------------------------------------------------

local function alwaysReady() return current("Resource is always ready") end

-- StatefulSets never set conditions: replicas, partitions and revisions decide.
local function statefulSet(obj)
  if str(obj, "", "spec", "updateStrategy", "type") == "OnDelete" then
    return current("StatefulSet is using the ondelete update strategy")
  end
  local spec = int(obj, 1, "spec", "replicas")
  local ready = int(obj, 0, "status", "readyReplicas")
  local currentReplicas = int(obj, 0, "status", "currentReplicas")
  local updated = int(obj, 0, "status", "updatedReplicas")
  local replicas = int(obj, 0, "status", "replicas")
  local partition = int(obj, -1, "spec", "updateStrategy", "rollingUpdate", "partition")

  if spec > replicas then return inProgress("LessReplicas", ("Replicas: %d/%d"):format(replicas, spec)) end
  if spec > ready then return inProgress("LessReady", ("Ready: %d/%d"):format(ready, spec)) end
  if replicas > spec then return inProgress("ExtraPods", ("Pending termination: %d"):format(replicas - spec)) end
  -- with a partition only the pods at or above it are updated, and the revisions stay different
  if partition ~= -1 then
    if updated < spec - partition then
      return inProgress("PartitionRollout", ("updated: %d/%d"):format(updated, spec - partition))
    end
    return current(("Partition rollout complete. updated: %d"):format(updated))
  end
  if spec > currentReplicas then
    return inProgress("LessCurrent", ("current: %d/%d"):format(currentReplicas, spec))
  end
  if str(obj, "", "status", "currentRevision") ~= str(obj, "", "status", "updateRevision") then
    return inProgress("RevisionMismatch", "Waiting for updated revision to match current")
  end
  return current(("All replicas scheduled as expected. Replicas: %d"):format(replicas))
end

-- The largest int32: the API server's "no deadline", for which the controller sets no Progressing.
local maxInt32 = 2147483647

local function deployment(obj)
  local progressing = int(obj, maxInt32, "spec", "progressDeadlineSeconds") == maxInt32
  local available = false
  for _, c in ipairs(conditions(obj)) do
    if c.type == "Progressing" then
      if c.reason == "ProgressDeadlineExceeded" then
        -- the Stalled condition carries the Deployment's own message, not the result's
        return result("Failed", "Progress deadline exceeded", { condition("Stalled", c.reason, c.message) })
      end
      if c.status == "True" and c.reason == "NewReplicaSetAvailable" then progressing = true end
    elseif c.type == "Available" and c.status == "True" then
      available = true
    end
  end

  local spec = int(obj, 1, "spec", "replicas")  -- the controller's default
  local replicas = int(obj, 0, "status", "replicas")
  local updated = int(obj, 0, "status", "updatedReplicas")
  local ready = int(obj, 0, "status", "readyReplicas")
  local availableReplicas = int(obj, 0, "status", "availableReplicas")

  if spec > replicas then return inProgress("LessReplicas", ("Replicas: %d/%d"):format(replicas, spec)) end
  if spec > updated then return inProgress("LessUpdated", ("Updated: %d/%d"):format(updated, spec)) end
  if replicas > spec then return inProgress("ExtraPods", ("Pending termination: %d"):format(replicas - spec)) end
  if updated > availableReplicas then
    return inProgress("LessAvailable", ("Available: %d/%d"):format(availableReplicas, updated))
  end
  if spec > ready then return inProgress("LessReady", ("Ready: %d/%d"):format(ready, spec)) end
  if not progressing then return inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available") end
  if not available then return inProgress("DeploymentNotAvailable", "Deployment not Available") end
  return current(("Deployment is available. Replicas: %d"):format(replicas))
end

local function replicaSet(obj)
  if find(conditions(obj), "ReplicaFailure", "True") then
    return inProgress("ReplicaFailure", "Replica Failure condition. Check Pods")
  end
  local spec = int(obj, 1, "spec", "replicas")
  local replicas = int(obj, 0, "status", "replicas")
  local ready = int(obj, 0, "status", "readyReplicas")
  local availableReplicas = int(obj, 0, "status", "availableReplicas")
  local labelled = int(obj, 0, "status", "fullyLabeledReplicas")

  if spec > labelled then return inProgress("LessLabelled", ("Labelled: %d/%d"):format(labelled, spec)) end
  if spec > availableReplicas then
    return inProgress("LessAvailable", ("Available: %d/%d"):format(availableReplicas, spec))
  end
  if spec > ready then return inProgress("LessReady", ("Ready: %d/%d"):format(ready, spec)) end
  if replicas > spec then return inProgress("ExtraPods", ("Pending termination: %d"):format(replicas - spec)) end
  return current(("ReplicaSet is available. Replicas: %d"):format(replicas))
end

-- checkGenerationSet: a DaemonSet the controller has acted on always has both generations, so
-- kstatus demands them here (the generic check skips objects without them).
local function checkGenerationSet(obj)
  if strictInt(obj, "metadata", "generation") == nil then
    local message = ("%s metadata.generation not found"):format(kindOf(obj))
    return result("InProgress", message, { condition("Reconciling", "NoGeneration", message) })
  end
  if strictInt(obj, "status", "observedGeneration") == nil then
    local message = ("%s status.observedGeneration not found"):format(kindOf(obj))
    return result("InProgress", message, { condition("Reconciling", "NoObservedGeneration", message) })
  end
  return nil
end

local function daemonSet(obj)
  local res = checkGenerationSet(obj)
  if res then return res end
  local desired = int(obj, -1, "status", "desiredNumberScheduled")
  local currentNumber = int(obj, 0, "status", "currentNumberScheduled")
  local updated = int(obj, 0, "status", "updatedNumberScheduled")
  local availableNumber = int(obj, 0, "status", "numberAvailable")
  local ready = int(obj, 0, "status", "numberReady")

  if desired == -1 then return inProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled") end
  if desired > currentNumber then
    return inProgress("LessCurrent", ("Current: %d/%d"):format(currentNumber, desired))
  end
  if desired > updated then return inProgress("LessUpdated", ("Updated: %d/%d"):format(updated, desired)) end
  if desired > availableNumber then
    return inProgress("LessAvailable", ("Available: %d/%d"):format(availableNumber, desired))
  end
  if desired > ready then return inProgress("LessReady", ("Ready: %d/%d"):format(ready, desired)) end
  return current(("All replicas scheduled as expected. Replicas: %d"):format(desired))
end

local function pvc(obj)
  local phase = str(obj, "unknown", "status", "phase")
  if phase ~= "Bound" then return inProgress("NotBound", ("PVC is not Bound. phase: %s"):format(phase)) end
  return current("PVC is Bound")
end

-- Seconds since 1970-01-01 of a proleptic Gregorian UTC date (Howard Hinnant's days_from_civil):
-- plain arithmetic, so the local time zone and its daylight saving never enter.
local function epochDays(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

local monthDays = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- An RFC 3339 time ("2026-12-05T12:00:00Z", "...12:00:00.5+02:00") as seconds since the epoch;
-- nil when it is not one. Go's metav1.Time then holds the zero time, which is long ago.
local function parseTime(text)
  if type(text) ~= "string" then return nil end
  local y, mo, d, h, mi, s, rest = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s)
  local leap = y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
  if mo < 1 or mo > 12 or d < 1 or d > monthDays[mo] or (mo == 2 and d == 29 and not leap)
    or h > 23 or mi > 59 or s > 59 then
    return nil
  end
  local fraction, zone = rest:match("^(%.%d+)(.*)$")
  if not fraction then fraction, zone = "", rest end
  local offset
  if zone == "Z" then
    offset = 0
  else
    local sign, oh, om = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign or tonumber(oh) > 23 or tonumber(om) > 59 then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60 * (sign == "-" and -1 or 1)
  end
  local seconds = epochDays(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
  return fraction == "" and seconds or seconds + tonumber("0" .. fraction)
end

-- How long a pod may stay unscheduled before it is reported as unschedulable.
local scheduleWindow = 15

-- Names of the containers waiting in CrashLoopBackOff, in order. Go panics on entries of the wrong
-- shape; Choice: we skip them, as it skips entries without a name, state, waiting or reason.
local function crashLooping(obj)
  local statuses = lookup(obj, "", "status", "containerStatuses")
  if statuses == nil then return {} end
  if not isArray(statuses) then accessorError("", ".status.containerStatuses", statuses, "[]interface{}") end
  local names = {}
  for _, cs in ipairs(statuses) do
    local name = not absent(cs) and type(cs) == "table" and cs.name
    if type(name) == "string" and lookup(cs, false, "state", "waiting", "reason") == "CrashLoopBackOff" then
      names[#names + 1] = name
    end
  end
  return names
end

-- Pods: by phase. Choice: kstatus has no rule for restart policies: a pod in phase Failed is
-- Current ("completed") whatever its restartPolicy, and with Always or OnFailure the kubelet
-- restarts containers in phase Running, where CrashLoopBackOff makes it Failed. We keep that.
local function pod(obj)
  local list = conditions(obj)
  local phase = str(obj, "", "status", "phase")
  if phase == "Succeeded" then return current("Pod has completed successfully") end
  if phase == "Failed" then return current("Pod has completed, but not successfully") end
  if phase == "Running" then
    if find(list, "Ready", "True") then return current("Pod is Ready") end
    local names = crashLooping(obj)
    if #names > 0 then
      return failed("ContainerCrashLooping", "Containers in CrashLoop state: " .. table.concat(names, ","))
    end
    return inProgress("PodRunningNotReady", "Pod is running but is not Ready")
  end
  if phase == "Pending" then
    local scheduled = find(list, "PodScheduled", "False")
    if scheduled and scheduled.reason == "Unschedulable" then
      -- now: os.time() counts seconds since the epoch (POSIX), as parseTime does, in UTC both.
      -- Choice: a missing or unparsable creationTimestamp is Go's zero time: the window is over.
      local created = parseTime(lookup(obj, false, "metadata", "creationTimestamp"))
      if created and os.time() - scheduleWindow < created then
        return inProgress("PodNotScheduled", "Pod has not been scheduled")
      end
      return failed("PodUnschedulable", "Pod could not be scheduled")
    end
    return inProgress("PodPending", "Pod is in the Pending phase")
  end
  -- no phase yet: the kubelet has not observed the pod
  if phase == "" then return inProgress("PodNotObserved", "Pod phase not available") end
  fail("unknown phase %s", phase)
end

-- PodDisruptionBudgets have observedGeneration, already checked: the controller has seen them.
local function pdb() return current("AllowedDisruptions has been computed.") end

-- Jobs are InProgress until they start, then Current while they run and after they complete.
local function job(obj)
  local parallelism = int(obj, 1, "spec", "parallelism")
  local completions = int(obj, parallelism, "spec", "completions")
  local succeeded = int(obj, 0, "status", "succeeded")
  local active = int(obj, 0, "status", "active")
  local failures = int(obj, 0, "status", "failed")
  local suspended = bool(obj, false, "spec", "suspend")

  for _, c in ipairs(conditions(obj)) do
    if c.type == "Complete" and c.status == "True" then
      return current(("Job Completed. succeeded: %d/%d"):format(succeeded, completions))
    elseif c.type == "Failed" and c.status == "True" then
      return failed("JobFailed", ("Job Failed. failed: %d/%d"):format(failures, completions))
    elseif c.type == "Suspended" and c.status == "True" and suspended then
      -- suspended on purpose (spec.suspend and the condition agree): not waiting for anything
      return current("Job is suspended")
    end
  end
  if str(obj, "", "status", "startTime") == "" then return inProgress("JobNotStarted", "Job not started") end
  return current(("Job in progress. success:%d, active: %d, failed: %d"):format(succeeded, active, failures))
end

local function service(obj)
  if str(obj, "ClusterIP", "spec", "type") == "LoadBalancer" and str(obj, "", "spec", "clusterIP") == "" then
    return inProgress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
  end
  return current("Service is ready")
end

local function crd(obj)
  for _, c in ipairs(conditions(obj)) do
    if c.type == "NamesAccepted" and c.status == "False" then return failed(c.reason, c.message) end
    if c.type == "Established" then
      if c.status == "False" and c.reason ~= "Installing" then return failed(c.reason, c.message) end
      if c.status == "True" then return current("CRD is established") end
    end
  end
  return inProgress("Installing", "Install in progress")
end

-- legacyTypes: the rules by group/kind ("Kind" alone in the core group).
local legacyTypes = {
  ["Service"] = service,
  ["Pod"] = pod,
  ["Secret"] = alwaysReady,
  ["PersistentVolumeClaim"] = pvc,
  ["apps/StatefulSet"] = statefulSet,
  ["apps/DaemonSet"] = daemonSet,
  ["extensions/DaemonSet"] = daemonSet,
  ["apps/Deployment"] = deployment,
  ["extensions/Deployment"] = deployment,
  ["apps/ReplicaSet"] = replicaSet,
  ["extensions/ReplicaSet"] = replicaSet,
  ["policy/PodDisruptionBudget"] = pdb,
  ["batch/CronJob"] = alwaysReady,
  ["ConfigMap"] = alwaysReady,
  ["batch/Job"] = job,
  ["apiextensions.k8s.io/CustomResourceDefinition"] = crd,
}

-- The group/kind key of GetLegacyConditionsFn. The group is what precedes the one "/" of
-- apiVersion ("" without one); an apiVersion with more slashes does not parse, and Go's
-- GroupVersionKind is then empty: no rules apply.
local function legacyKey(obj)
  local apiVersion = str(obj, "", "apiVersion")
  local _, slashes = apiVersion:gsub("/", "")
  if slashes > 1 then return "" end
  local group = slashes == 1 and apiVersion:match("^(.-)/") or ""
  if group == "" then return kindOf(obj) end
  return group .. "/" .. kindOf(obj)
end

-- Compute: the generic properties first, then the kind's rules, then a Ready condition, and
-- otherwise Current (an object without known conditions is taken to be reconciled).
local function compute(obj)
  local res = checkGenericProperties(obj)
  if res then return res end
  local rules = legacyTypes[legacyKey(obj)]
  if rules then return rules(obj) end
  return checkReadyCondition(obj) or current("Resource is current")
end

function k8s.status(obj)
  -- kstatus's pollers and watcher give this for an object that is not there
  if absent(obj) then return result("NotFound", "Resource not found") end
  if type(obj) ~= "table" then
    error(("bad argument #1 to 'status' (table expected, got %s)"):format(type(obj)), 2)
  end
  local ok, res = pcall(compute, obj)
  if ok then return res end
  if getmetatable(res) == ComputeError then return result("Unknown", res.message) end
  error(res, 0)  -- a bug of ours: not an object's status
end
