-- k8s.status: cli-utils' kstatus rules. The objects are those of kstatus's own tests
-- (pkg/kstatus/status/status_compute_test.go and core_test.go, named as there) with the messages
-- its code gives, and more for the rules and messages its tests do not reach.

-- The computed conditions as type → reason: what kstatus's tests check (and which are absent).
local function reasons(conditions)
  local out = {}
  for _, c in ipairs(conditions) do out[c.type] = c.reason end
  return out
end

-- Each case's status, message and conditions' reasons (none when the case gives none).
local function check(t, cases)
  for _, case in ipairs(cases) do
    local got = k8s.status(case.obj)
    t:eq(got.status, case.status, case.name .. ": status")
    t:eq(got.message, case.message, case.name .. ": message")
    t:eq(reasons(got.conditions), case.reasons or {}, case.name .. ": conditions")
  end
end

-- An object as kstatus's tests write them: name test, namespace qual, generation 1.
local function object(apiVersion, kind, fields)
  local o = { apiVersion = apiVersion, kind = kind, metadata = { name = "test", namespace = "qual", generation = 1 } }
  for k, v in pairs(fields or {}) do o[k] = v end
  return o
end

-- RFC 3339 times `seconds` from now, in UTC or at an offset from it ("+02:00").
local function at(seconds, offset)
  if not offset then return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + seconds) end
  local sign, h, m = offset:match("^([+-])(%d%d):(%d%d)$")
  local shift = (tonumber(h) * 3600 + tonumber(m) * 60) * (sign == "-" and -1 or 1)
  return os.date("!%Y-%m-%dT%H:%M:%S", os.time() + seconds + shift) .. offset
end

test("missing, deleted and unobserved objects", function(t)
  check(t, {
    { name = "nil", obj = nil, status = "NotFound", message = "Resource not found" },
    { name = "null", obj = k8s.null, status = "NotFound", message = "Resource not found" },
    { name = "deleted Deployment", status = "Terminating", message = "Resource scheduled for deletion",
      obj = object("apps/v1", "Deployment", { metadata = { name = "web", deletionTimestamp = "2026-12-05T12:00:00Z" } }) },
    { name = "deletion comes before everything", status = "Terminating", message = "Resource scheduled for deletion",
      obj = object("v1", "Pod", { metadata = { generation = 2, deletionTimestamp = "2026-12-05T12:00:00Z" },
                                  status = { observedGeneration = 1, phase = "Exploded" } }) },
    { name = "empty deletionTimestamp", status = "Current", message = "Resource is always ready",
      obj = object("v1", "ConfigMap", { metadata = { name = "c", deletionTimestamp = "" } }) },
    { name = "crdMismatchStatusGeneration", status = "InProgress",
      message = "MyCR generation is 2, but latest observed generation is 1",
      reasons = { Reconciling = "LatestGenerationNotObserved" },
      obj = object("something/v1", "MyCR", { metadata = { name = "test", generation = 2 },
                                             status = { observedGeneration = 1 } }) },
    { name = "pdbNotObserved", status = "InProgress",
      message = "PodDisruptionBudget generation is 2, but latest observed generation is 1",
      reasons = { Reconciling = "LatestGenerationNotObserved" },
      obj = object("policy/v1beta1", "PodDisruptionBudget", { metadata = { generation = 2 },
                                                              status = { observedGeneration = 1 } }) },
    { name = "observedGeneration ahead (kstatus compares with ~=)", status = "InProgress",
      message = "Deployment generation is 2, but latest observed generation is 3",
      reasons = { Reconciling = "LatestGenerationNotObserved" },
      obj = object("apps/v1", "Deployment", { metadata = { generation = 2 }, status = { observedGeneration = 3 } }) },
    { name = "null observedGeneration is absent", status = "Current", message = "Resource is current",
      obj = object("something/v1", "MyCR", { metadata = { generation = 2 }, status = { observedGeneration = k8s.null } }) },
    { name = "an unobserved generation beats Ready", status = "InProgress",
      message = "MyCR generation is 2, but latest observed generation is 1",
      reasons = { Reconciling = "LatestGenerationNotObserved" },
      obj = object("something/v1", "MyCR", { metadata = { generation = 2 },
        status = { observedGeneration = 1, conditions = { { type = "Ready", status = "True" } } } }) },
  })
  -- the whole condition, message included
  local res = k8s.status(object("something/v1", "MyCR", { metadata = { generation = 2 }, status = { observedGeneration = 1 } }))
  t:eq(res.conditions, { { type = "Reconciling", status = "True", reason = "LatestGenerationNotObserved",
                           message = "MyCR generation is 2, but latest observed generation is 1" } })
  t:eq(k8s.status(nil).conditions, {})
end)

test("generic conditions: Reconciling, Stalled and Ready", function(t)
  local function cr(conditions, apiVersion, kind)
    return object(apiVersion or "something/v1", kind or "MyCR", { status = { conditions = conditions } })
  end
  check(t, {
    { name = "crdNoStatus", obj = object("something/v1", "MyCR"), status = "Current", message = "Resource is current" },
    { name = "crdReady", status = "Current", message = "Resource is Ready",
      obj = cr { { type = "Ready", status = "True", message = "All looks ok", reason = "AllOk" } } },
    { name = "crdNotReady", status = "InProgress", message = "", reasons = { Reconciling = "NotReadyYet" },
      obj = object("something/v1", "MyCR", { status = { observedGeneration = 1,
        conditions = { { type = "Ready", status = "False", reason = "NotReadyYet" } } } }) },
    { name = "crdNoCondition", status = "Current", message = "Resource is current",
      obj = cr { { type = "SomeCondition", status = "False" } } },
    { name = "Reconciling", status = "InProgress", message = "Working on it", reasons = { Reconciling = "Progressing" },
      obj = cr { { type = "Reconciling", status = "True", reason = "Progressing", message = "Working on it" } } },
    { name = "Stalled", status = "Failed", message = "spec.url is invalid", reasons = { Stalled = "BadConfig" },
      obj = cr { { type = "Stalled", status = "True", reason = "BadConfig", message = "spec.url is invalid" } } },
    { name = "false Reconciling and Stalled, then Ready", status = "Current", message = "Resource is Ready",
      obj = cr { { type = "Reconciling", status = "False" }, { type = "Stalled", status = "False" },
                 { type = "Ready", status = "True" } } },
    { name = "Ready Unknown", status = "InProgress", message = "waiting", reasons = { Reconciling = "Pending" },
      obj = cr { { type = "Ready", status = "Unknown", reason = "Pending", message = "waiting" } } },
    { name = "Stalled beats a kind's rules", status = "Failed", message = "quota exceeded", reasons = { Stalled = "Quota" },
      obj = object("apps/v1", "Deployment", { status = { replicas = 1, updatedReplicas = 1, readyReplicas = 1,
        availableReplicas = 1, conditions = { { type = "Stalled", status = "True", reason = "Quota", message = "quota exceeded" },
                                              { type = "Available", status = "True" } } } }) },
    { name = "the first true condition decides", status = "Failed", message = "stuck", reasons = { Stalled = "Stuck" },
      obj = cr { { type = "Stalled", status = "True", reason = "Stuck", message = "stuck" },
                 { type = "Reconciling", status = "True", reason = "Busy", message = "busy" } } },
    { name = "Ready without a status is skipped", status = "Current", message = "Resource is current",
      obj = cr { { type = "Ready", status = "" } } },
    { name = "null conditions", obj = cr(k8s.null), status = "Current", message = "Resource is current" },
    { name = "null entries are empty conditions", status = "InProgress", message = "", reasons = { Reconciling = "" },
      obj = cr { k8s.null, { type = "Ready", status = "False", reason = k8s.null } } },
    { name = "a ConfigMap of another group has no rules", status = "InProgress", message = "not yet",
      reasons = { Reconciling = "Later" },
      obj = cr({ { type = "Ready", status = "False", reason = "Later", message = "not yet" } }, "example.com/v1", "ConfigMap") },
    { name = "an apiVersion that does not parse has no rules", status = "Current", message = "Resource is current",
      obj = object("a/b/v1", "ConfigMap", { status = { } }) },
  })
  t:eq(k8s.status(cr { { type = "Stalled", status = "True", reason = "BadConfig", message = "spec.url is invalid" } }).conditions,
       { { type = "Stalled", status = "True", reason = "BadConfig", message = "spec.url is invalid" } })
end)

test("Pods: phases, scheduling within 15 seconds, crash loops", function(t)
  local function pod(status, metadata, spec)
    local o = object("v1", "Pod", { status = status, spec = spec })
    for k, v in pairs(metadata or {}) do o.metadata[k] = v end
    return o
  end
  local unschedulable = { { type = "PodScheduled", status = "False", reason = "Unschedulable" } }
  local function scheduling(created)
    return pod({ phase = "Pending", conditions = unschedulable }, { creationTimestamp = created })
  end
  check(t, {
    { name = "podNoStatus", obj = object("v1", "Pod", { metadata = { generation = 1, name = "test" } }),
      status = "InProgress", message = "Pod phase not available", reasons = { Reconciling = "PodNotObserved" } },
    { name = "podReady", status = "Current", message = "Pod is Ready",
      obj = pod { conditions = { { type = "Ready", status = "True" } }, phase = "Running" } },
    { name = "podCompletedSuccessfully", status = "Current", message = "Pod has completed successfully",
      obj = pod { phase = "Succeeded", conditions = { { type = "Ready", status = "False", reason = "PodCompleted" } } } },
    { name = "podCompletedFailed", status = "Current", message = "Pod has completed, but not successfully",
      obj = pod { phase = "Failed", conditions = { { type = "Ready", status = "False", reason = "PodCompleted" } } } },
    { name = "Failed with restartPolicy Never: completed, as kstatus has no restart-policy rule", status = "Current",
      message = "Pod has completed, but not successfully", obj = pod({ phase = "Failed" }, nil, { restartPolicy = "Never" }) },
    { name = "podBeingScheduled", obj = scheduling(at(0)), status = "InProgress", message = "Pod has not been scheduled",
      reasons = { Reconciling = "PodNotScheduled" } },
    { name = "being scheduled, 5 s ago at +02:00", obj = scheduling(at(-5, "+02:00")), status = "InProgress",
      message = "Pod has not been scheduled", reasons = { Reconciling = "PodNotScheduled" } },
    { name = "being scheduled, fractional seconds", obj = scheduling((at(-2):gsub("Z$", ".250Z"))), status = "InProgress",
      message = "Pod has not been scheduled", reasons = { Reconciling = "PodNotScheduled" } },
    { name = "podUnschedulable (no creationTimestamp)", status = "Failed", message = "Pod could not be scheduled",
      reasons = { Stalled = "PodUnschedulable" }, obj = pod { phase = "Pending", conditions = unschedulable } },
    { name = "unschedulable for a minute", obj = scheduling(at(-60)), status = "Failed", message = "Pod could not be scheduled",
      reasons = { Stalled = "PodUnschedulable" } },
    { name = "unschedulable for a minute, at -05:00", obj = scheduling(at(-60, "-05:00")), status = "Failed",
      message = "Pod could not be scheduled", reasons = { Stalled = "PodUnschedulable" } },
    { name = "unparsable creationTimestamp is long ago", obj = scheduling("yesterday"), status = "Failed",
      message = "Pod could not be scheduled", reasons = { Stalled = "PodUnschedulable" } },
    { name = "pending for another reason", status = "InProgress", message = "Pod is in the Pending phase",
      reasons = { Reconciling = "PodPending" },
      obj = pod { phase = "Pending", conditions = { { type = "PodScheduled", status = "False", reason = "SchedulerError" } } } },
    { name = "running, not ready", status = "InProgress", message = "Pod is running but is not Ready",
      reasons = { Reconciling = "PodRunningNotReady" },
      obj = pod { phase = "Running", conditions = { { type = "Ready", status = "False", reason = "ContainersNotReady" } } } },
    { name = "podCrashLooping", status = "Failed", message = "Containers in CrashLoop state: nginx",
      reasons = { Stalled = "ContainerCrashLooping" },
      obj = pod { phase = "Running", conditions = unschedulable,
                  containerStatuses = { { name = "nginx", state = { waiting = { reason = "CrashLoopBackOff" } } } } } },
    { name = "two containers crash looping", status = "Failed", message = "Containers in CrashLoop state: web,sidecar",
      reasons = { Stalled = "ContainerCrashLooping" },
      obj = pod({ phase = "Running", containerStatuses = {
        { name = "web", state = { waiting = { reason = "CrashLoopBackOff" } } },
        { name = "init", state = { waiting = { reason = "ContainerCreating" } } },
        { name = "db", state = { running = { startedAt = "2026-12-05T12:00:00Z" } } },
        { name = "sidecar", state = { waiting = { reason = "CrashLoopBackOff", message = "back-off 5m0s" } } },
      } }, nil, { restartPolicy = "Always" }) },
    { name = "ready wins over a crash loop", status = "Current", message = "Pod is Ready",
      obj = pod { phase = "Running", conditions = { { type = "Ready", status = "True" } },
                  containerStatuses = { { name = "nginx", state = { waiting = { reason = "CrashLoopBackOff" } } } } } },
    { name = "restartPolicy OnFailure, null containerStatuses", status = "InProgress",
      message = "Pod is running but is not Ready",
      reasons = { Reconciling = "PodRunningNotReady" },
      obj = pod({ phase = "Running", containerStatuses = k8s.null }, nil, { restartPolicy = "OnFailure" }) },
    { name = "an unknown phase is kstatus's error", status = "Unknown", message = "unknown phase Exploded",
      obj = pod { phase = "Exploded" } },
  })
end)

test("always ready kinds, Services, PersistentVolumeClaims, PodDisruptionBudgets", function(t)
  check(t, {
    { name = "Secret", obj = object("v1", "Secret"), status = "Current", message = "Resource is always ready" },
    { name = "ConfigMap", obj = object("v1", "ConfigMap", { data = { a = "1" } }), status = "Current",
      message = "Resource is always ready" },
    { name = "cronjobNoStatus", obj = object("batch/v1", "CronJob"), status = "Current", message = "Resource is always ready" },
    { name = "cronjobWithStatus", obj = object("batch/v1", "CronJob", { status = k8s.null }), status = "Current",
      message = "Resource is always ready" },
    { name = "CronJob batch/v1beta1", obj = object("batch/v1beta1", "CronJob", { status = { active = { { name = "x" } } } }),
      status = "Current", message = "Resource is always ready" },
    { name = "serviceDefault", obj = object("v1", "Service"), status = "Current", message = "Service is ready" },
    { name = "serviceNodePort", obj = object("v1", "Service", { spec = { type = "NodePort" } }), status = "Current",
      message = "Service is ready" },
    { name = "serviceLBok", obj = object("v1", "Service", { spec = { type = "LoadBalancer", clusterIP = "1.2.3.4" } }),
      status = "Current", message = "Service is ready" },
    { name = "serviceLBnok", obj = object("v1", "Service", { spec = { type = "LoadBalancer" } }), status = "InProgress",
      message = "ClusterIP not set. Service type: LoadBalancer", reasons = { Reconciling = "NoIPAssigned" } },
    { name = "a Knative Service follows Ready", status = "InProgress", message = "Revision missing",
      reasons = { Reconciling = "RevisionMissing" },
      obj = object("serving.knative.dev/v1", "Service", { status = { conditions = {
        { type = "Ready", status = "False", reason = "RevisionMissing", message = "Revision missing" } } } }) },
    { name = "pvcNoStatus", obj = object("v1", "PersistentVolumeClaim", { metadata = { generation = 1, name = "test" } }),
      status = "InProgress", message = "PVC is not Bound. phase: unknown", reasons = { Reconciling = "NotBound" } },
    { name = "pvcBound", obj = object("v1", "PersistentVolumeClaim", { status = { phase = "Bound" } }), status = "Current",
      message = "PVC is Bound" },
    { name = "pvcPending", obj = object("v1", "PersistentVolumeClaim", { status = { phase = "Pending" } }),
      status = "InProgress", message = "PVC is not Bound. phase: Pending", reasons = { Reconciling = "NotBound" } },
    { name = "pdbObserved", obj = object("policy/v1beta1", "PodDisruptionBudget", { status = { observedGeneration = 1 } }),
      status = "Current", message = "AllowedDisruptions has been computed." },
  })
end)

test("StatefulSets: replicas, partitions, OnDelete, revisions", function(t)
  local function sts(spec, status)
    return object("apps/v1", "StatefulSet", { spec = spec, status = status })
  end
  check(t, {
    { name = "stsNoStatus", obj = object("apps/v1", "StatefulSet", { metadata = { generation = 1, name = "test" } }),
      status = "InProgress", message = "Replicas: 0/1", reasons = { Reconciling = "LessReplicas" } },
    { name = "stsBadStatus", obj = sts(nil, { observedGeneration = 1, currentReplicas = 1 }),
      status = "InProgress", message = "Replicas: 0/1", reasons = { Reconciling = "LessReplicas" } },
    { name = "stsOK",
      obj = sts({ replicas = 4 }, { observedGeneration = 1, currentReplicas = 4, readyReplicas = 4, replicas = 4 }),
      status = "Current", message = "All replicas scheduled as expected. Replicas: 4" },
    { name = "stsLessReady", obj = sts({ replicas = 4 }, { observedGeneration = 1, currentReplicas = 4, readyReplicas = 2,
      replicas = 4 }), status = "InProgress", message = "Ready: 2/4", reasons = { Reconciling = "LessReady" } },
    { name = "stsLessCurrent", obj = sts({ replicas = 4 }, { observedGeneration = 1, currentReplicas = 2, readyReplicas = 4,
      replicas = 4 }), status = "InProgress", message = "current: 2/4", reasons = { Reconciling = "LessCurrent" } },
    { name = "stsExtraPods", obj = sts({ replicas = 4 }, { observedGeneration = 1, currentReplicas = 4, readyReplicas = 4,
      replicas = 8 }), status = "InProgress", message = "Pending termination: 4", reasons = { Reconciling = "ExtraPods" } },
    { name = "OnDelete", obj = sts({ replicas = 3, updateStrategy = { type = "OnDelete" } }), status = "Current",
      message = "StatefulSet is using the ondelete update strategy" },
    { name = "partition rolling out", status = "InProgress", message = "updated: 1/2",
      reasons = { Reconciling = "PartitionRollout" },
      obj = sts({ replicas = 4, updateStrategy = { type = "RollingUpdate", rollingUpdate = { partition = 2 } } },
                { replicas = 4, readyReplicas = 4, currentReplicas = 3, updatedReplicas = 1,
                  currentRevision = "web-1", updateRevision = "web-2" }) },
    { name = "partition rolled out", status = "Current", message = "Partition rollout complete. updated: 2",
      obj = sts({ replicas = 4, updateStrategy = { type = "RollingUpdate", rollingUpdate = { partition = 2 } } },
                { replicas = 4, readyReplicas = 4, currentReplicas = 2, updatedReplicas = 2,
                  currentRevision = "web-1", updateRevision = "web-2" }) },
    { name = "revisions differ", status = "InProgress", message = "Waiting for updated revision to match current",
      reasons = { Reconciling = "RevisionMismatch" },
      obj = sts({ replicas = 2 }, { replicas = 2, readyReplicas = 2, currentReplicas = 2, updatedReplicas = 2,
                                    currentRevision = "web-1", updateRevision = "web-2" }) },
    { name = "a null partition is none", status = "Current", message = "All replicas scheduled as expected. Replicas: 2",
      obj = sts({ replicas = 2, updateStrategy = { rollingUpdate = { partition = k8s.null } } },
                { replicas = 2, readyReplicas = 2, currentReplicas = 2, currentRevision = "web-2", updateRevision = "web-2" }) },
  })
end)

test("DaemonSets: generations required, scheduled, updated, available, ready", function(t)
  local function ds(status, generation, apiVersion)
    local o = object(apiVersion or "apps/v1", "DaemonSet", { status = status })
    o.metadata.generation = generation or 1
    return o
  end
  local ok = { desiredNumberScheduled = 4, currentNumberScheduled = 4, updatedNumberScheduled = 4, numberAvailable = 4,
               numberReady = 4, observedGeneration = 1 }
  local function with(changes)
    local s = {}
    for k, v in pairs(ok) do s[k] = v end
    for k, v in pairs(changes) do s[k] = v end
    return s
  end
  local noGeneration = ds(nil)
  noGeneration.metadata.generation = nil
  check(t, {
    { name = "dsNoStatus", obj = ds(nil), status = "InProgress", message = "DaemonSet status.observedGeneration not found",
      reasons = { Reconciling = "NoObservedGeneration" } },
    { name = "no generation", obj = noGeneration, status = "InProgress", message = "DaemonSet metadata.generation not found",
      reasons = { Reconciling = "NoGeneration" } },
    { name = "dsBadStatus", obj = ds { observedGeneration = 1, currentReplicas = 1 }, status = "InProgress",
      message = "Missing .status.desiredNumberScheduled", reasons = { Reconciling = "NoDesiredNumber" } },
    { name = "dsOK", obj = ds(ok), status = "Current", message = "All replicas scheduled as expected. Replicas: 4" },
    { name = "dsDifferentGeneration", obj = ds(ok, 2), status = "InProgress",
      message = "DaemonSet generation is 2, but latest observed generation is 1",
      reasons = { Reconciling = "LatestGenerationNotObserved" } },
    { name = "dsLessReady", obj = ds(with { numberReady = 2 }), status = "InProgress", message = "Ready: 2/4",
      reasons = { Reconciling = "LessReady" } },
    { name = "dsLessAvailable", obj = ds(with { numberAvailable = 2 }), status = "InProgress", message = "Available: 2/4",
      reasons = { Reconciling = "LessAvailable" } },
    { name = "less current", obj = ds(with { currentNumberScheduled = 3 }), status = "InProgress", message = "Current: 3/4",
      reasons = { Reconciling = "LessCurrent" } },
    { name = "less updated", obj = ds(with { updatedNumberScheduled = 3 }), status = "InProgress", message = "Updated: 3/4",
      reasons = { Reconciling = "LessUpdated" } },
    { name = "extensions/v1beta1", obj = ds(ok, 1, "extensions/v1beta1"), status = "Current",
      message = "All replicas scheduled as expected. Replicas: 4" },
  })
end)

test("Deployments: replicas, Progressing and Available, the progress deadline", function(t)
  local function dep(status, spec)
    return object("apps/v1", "Deployment", { spec = spec, status = status })
  end
  local progressing = { type = "Progressing", status = "True", reason = "NewReplicaSetAvailable" }
  local available = { type = "Available", status = "True" }
  local function replicas(n, fields)
    local s = { observedGeneration = 1, replicas = n, updatedReplicas = n, readyReplicas = n, availableReplicas = n,
                conditions = { progressing, available } }
    for k, v in pairs(fields or {}) do s[k] = v end
    return s
  end
  local exceeded = dep(replicas(1, { conditions = { { type = "Progressing", status = "False", reason = "ProgressDeadlineExceeded",
    message = 'ReplicaSet "web-5d8f" has timed out progressing.' } } }), { progressDeadlineSeconds = 600 })
  check(t, {
    { name = "depNoStatus", obj = object("apps/v1", "Deployment", { metadata = { name = "test", generation = 1 } }),
      status = "InProgress", message = "Replicas: 0/1", reasons = { Reconciling = "LessReplicas" } },
    { name = "depOK", obj = dep(replicas(1)), status = "Current", message = "Deployment is available. Replicas: 1" },
    { name = "depNotProgressing", status = "InProgress", message = "ReplicaSet not Available",
      reasons = { Reconciling = "ReplicaSetNotAvailable" },
      obj = dep(replicas(1, { conditions = { { type = "Progressing", status = "False", reason = "Some reason" }, available } }),
                { progressDeadlineSeconds = 45 }) },
    { name = "depNoProgressDeadlineSeconds", obj = dep(replicas(1, { conditions = { available } })), status = "Current",
      message = "Deployment is available. Replicas: 1" },
    { name = "depNotAvailable", status = "InProgress", message = "Deployment not Available",
      reasons = { Reconciling = "DeploymentNotAvailable" },
      obj = dep(replicas(1, { conditions = { progressing, { type = "Available", status = "False" } } })) },
    { name = "progress deadline exceeded", obj = exceeded, status = "Failed", message = "Progress deadline exceeded",
      reasons = { Stalled = "ProgressDeadlineExceeded" } },
    { name = "less updated", obj = dep(replicas(3, { updatedReplicas = 1 }), { replicas = 3 }), status = "InProgress",
      message = "Updated: 1/3", reasons = { Reconciling = "LessUpdated" } },
    { name = "extra pods", obj = dep(replicas(3), { replicas = 2 }), status = "InProgress", message = "Pending termination: 1",
      reasons = { Reconciling = "ExtraPods" } },
    { name = "less available", obj = dep(replicas(3, { availableReplicas = 1 }), { replicas = 3 }), status = "InProgress",
      message = "Available: 1/3", reasons = { Reconciling = "LessAvailable" } },
    { name = "less ready", obj = dep(replicas(3, { readyReplicas = 2 }), { replicas = 3 }), status = "InProgress",
      message = "Ready: 2/3", reasons = { Reconciling = "LessReady" } },
    { name = "no deadline (max int32) needs no Progressing", status = "Current", message = "Deployment is available. Replicas: 2",
      obj = dep(replicas(2, { conditions = { available } }), { replicas = 2, progressDeadlineSeconds = 2147483647 }) },
    { name = "extensions/v1beta1", obj = object("extensions/v1beta1", "Deployment", { status = replicas(1) }), status = "Current",
      message = "Deployment is available. Replicas: 1" },
  })
  -- the Stalled condition carries the Deployment's message
  t:eq(k8s.status(exceeded).conditions, { { type = "Stalled", status = "True", reason = "ProgressDeadlineExceeded",
                                            message = 'ReplicaSet "web-5d8f" has timed out progressing.' } })
end)

test("ReplicaSets: labelled, available, ready, ReplicaFailure", function(t)
  local function rs(replicas, status)
    return object("apps/v1", "ReplicaSet", { spec = { replicas = replicas }, status = status })
  end
  check(t, {
    { name = "rsNoStatus", obj = object("apps/v1", "ReplicaSet", { metadata = { name = "test", generation = 1 } }),
      status = "InProgress", message = "Labelled: 0/1", reasons = { Reconciling = "LessLabelled" } },
    { name = "rsOK1", status = "Current", message = "ReplicaSet is available. Replicas: 2",
      obj = rs(2, { observedGeneration = 1, replicas = 2, readyReplicas = 2, availableReplicas = 2, fullyLabeledReplicas = 2,
                    conditions = { { type = "ReplicaFailure", status = "False" } } }) },
    { name = "rsOK2", status = "Current", message = "ReplicaSet is available. Replicas: 2",
      obj = rs(2, { observedGeneration = 1, fullyLabeledReplicas = 2, replicas = 2, readyReplicas = 2, availableReplicas = 2 }) },
    { name = "rsLessReady", status = "InProgress", message = "Ready: 2/4", reasons = { Reconciling = "LessReady" },
      obj = rs(4, { observedGeneration = 1, replicas = 4, readyReplicas = 2, availableReplicas = 4, fullyLabeledReplicas = 4 }) },
    { name = "rsLessAvailable", status = "InProgress", message = "Available: 2/4", reasons = { Reconciling = "LessAvailable" },
      obj = rs(4, { observedGeneration = 1, replicas = 4, readyReplicas = 4, availableReplicas = 2, fullyLabeledReplicas = 4 }) },
    { name = "rsReplicaFailure", status = "InProgress", message = "Replica Failure condition. Check Pods",
      reasons = { Reconciling = "ReplicaFailure" },
      obj = rs(4, { observedGeneration = 1, replicas = 4, readyReplicas = 4, fullyLabeledReplicas = 4, availableReplicas = 4,
                    conditions = { { type = "ReplicaFailure", status = "True" } } }) },
    { name = "extra pods", status = "InProgress", message = "Pending termination: 1", reasons = { Reconciling = "ExtraPods" },
      obj = rs(2, { replicas = 3, readyReplicas = 3, availableReplicas = 3, fullyLabeledReplicas = 3 }) },
  })
end)

test("Jobs: started, complete, failed, suspended", function(t)
  local function job(spec, status)
    return object("batch/v1", "Job", { spec = spec, status = status })
  end
  check(t, {
    { name = "jobNoStatus", obj = job(), status = "InProgress", message = "Job not started",
      reasons = { Reconciling = "JobNotStarted" } },
    { name = "jobComplete",
      obj = job(nil, { succeeded = 1, active = 0, conditions = { { type = "Complete", status = "True" } } }),
      status = "Current", message = "Job Completed. succeeded: 1/1" },
    { name = "jobFailed", status = "Failed", message = "Job Failed. failed: 1/4", reasons = { Stalled = "JobFailed" },
      obj = job({ completions = 4 }, { succeeded = 3, failed = 1,
                                       conditions = { { type = "Failed", status = "True", reason = "JobFailed" } } }) },
    { name = "jobInProgress", status = "Current", message = "Job in progress. success:3, active: 2, failed: 1",
      obj = job({ completions = 10, parallelism = 2 }, { startTime = "2019-06-04T01:17:13Z", succeeded = 3, failed = 1,
        active = 2, conditions = { { type = "Failed", status = "False" }, { type = "Complete", status = "False" } } }) },
    { name = "TestSuspendedJobConditions",
      obj = job({ suspend = true }, { conditions = { { type = "Suspended", status = "True" } } }),
      status = "Current", message = "Job is suspended" },
    { name = "TestPreviouslySuspendedJobConditions", status = "InProgress", message = "Job not started",
      reasons = { Reconciling = "JobNotStarted" },
      obj = job({ suspend = false }, { conditions = { { type = "Suspended", status = "False" } } }) },
    { name = "to suspended", obj = job({ suspend = true }, { conditions = { { type = "Suspended", status = "False" } } }),
      status = "InProgress", message = "Job not started", reasons = { Reconciling = "JobNotStarted" } },
    { name = "from suspended", obj = job({ suspend = false }, { conditions = { { type = "Suspended", status = "True" } } }),
      status = "InProgress", message = "Job not started", reasons = { Reconciling = "JobNotStarted" } },
    { name = "completions default to parallelism", status = "Current", message = "Job Completed. succeeded: 3/3",
      obj = job({ parallelism = 3, completions = k8s.null }, { succeeded = 3,
        conditions = { { type = "Complete", status = "True" } } }) },
  })
end)

test("CustomResourceDefinitions: names accepted, established", function(t)
  local function crd(conditions)
    return { apiVersion = "apiextensions.k8s.io/v1", kind = "CustomResourceDefinition", metadata = { generation = 1 },
             status = conditions and { conditions = conditions } }
  end
  check(t, {
    { name = "crdNoConditions", obj = crd(), status = "InProgress", message = "Install in progress",
      reasons = { Reconciling = "Installing" } },
    { name = "crdInstalling", status = "InProgress", message = "Install in progress", reasons = { Reconciling = "Installing" },
      obj = crd { { type = "NamesAccepted", status = "True", reason = "NoConflicts" },
                  { type = "Established", status = "False", reason = "Installing" } } },
    { name = "crdNamesNotAccepted", status = "Failed", message = "", reasons = { Stalled = "SomeReason" },
      obj = crd { { type = "NamesAccepted", status = "False", reason = "SomeReason" } } },
    { name = "crdEstablished", status = "Current", message = "CRD is established",
      obj = crd { { type = "NamesAccepted", status = "True", reason = "NoConflicts" },
                  { type = "Established", status = "True", reason = "InitialNamesAccepted" } } },
    { name = "names conflict", status = "Failed", message = '"widgets" is already in use', reasons = { Stalled = "NameConflict" },
      obj = crd { { type = "NamesAccepted", status = "False", reason = "NameConflict", message = '"widgets" is already in use' },
                  { type = "Established", status = "False", reason = "NotAccepted" } } },
    { name = "not established", status = "Failed", message = "not all names are accepted", reasons = { Stalled = "NotAccepted" },
      obj = crd { { type = "Established", status = "False", reason = "NotAccepted", message = "not all names are accepted" } } },
  })
end)

test("Unknown: the objects kstatus's Compute returns an error for", function(t)
  check(t, {
    { name = "a string generation", status = "Unknown",
      message = "looking up metadata.generation from resource: .metadata.generation accessor error: "
             .. "1 is of the type string, expected int64",
      obj = { apiVersion = "v1", kind = "ConfigMap", metadata = { generation = "1" } } },
    { name = "a numeric deletionTimestamp", status = "Unknown",
      message = "looking up metadata.deletionTimestamp from resource: .metadata.deletionTimestamp accessor error: "
             .. "5 is of the type int64, expected string",
      obj = { apiVersion = "v1", kind = "ConfigMap", metadata = { deletionTimestamp = 5 } } },
    { name = "status is a string", obj = { apiVersion = "v1", kind = "Secret", status = "ok" }, status = "Unknown",
      message = "cannot restore struct from: string" },
    { name = "conditions are an object", status = "Unknown", message = "cannot restore slice from map",
      obj = object("something/v1", "MyCR", { status = { conditions = { Ready = "True" } } }) },
    { name = "a condition's status is a boolean", status = "Unknown", message = "unrecognized type: string",
      obj = object("something/v1", "MyCR", { status = { conditions = { { type = "Ready", status = true } } } }) },
    { name = "a condition's status is a number", status = "Unknown", message = "cannot convert int64 to v1.ConditionStatus",
      obj = object("something/v1", "MyCR", { status = { conditions = { { type = "Ready", status = 1 } } } }) },
    { name = "a condition is a string", status = "Unknown", message = "cannot restore struct from: string",
      obj = object("something/v1", "MyCR", { status = { conditions = { "Ready" } } }) },
    { name = "metadata is a string", status = "Unknown",
      message = "looking up metadata.deletionTimestamp from resource: .metadata.deletionTimestamp accessor error: "
             .. "web is of the type string, expected map[string]interface{}",
      obj = { apiVersion = "v1", kind = "ConfigMap", metadata = "web" } },
    { name = "a float generation", status = "Unknown",
      message = "looking up metadata.generation from resource: .metadata.generation accessor error: "
             .. "2 is of the type float64, expected int64",
      obj = { apiVersion = "v1", kind = "ConfigMap", metadata = { generation = 2.0 } } },
    { name = "containerStatuses is a string", status = "Unknown",
      message = ".status.containerStatuses accessor error: none is of the type string, expected []interface{}",
      obj = object("v1", "Pod", { status = { phase = "Running", containerStatuses = "none" } }) },
  })
  t:raises(function() k8s.status("web") end, "table expected, got string")
end)
