-- Leader election on a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection with a
-- LeaseLock: the same fields, the same timing and the same rule that a lease is expired when its
-- holder has not renewed it for leaseDuration seconds of *our* clock since we saw it change, so a
-- kubescript replica and a client-go replica can contend for one Lease.
local host, k8s, internal = ...
local raise, tasks = internal.raise, internal.tasks

local Elector = { __name = "k8s.LeaderElector" }
Elector.__index = Elector

-- A MicroTime: RFC 3339 in UTC with microseconds, from the host's clock (client-go writes the same).
local microtime = host.microtime

-- k8s.leaderElection{ client =, lease = { namespace =, name = }, identity =, leaseDuration = 15,
-- renewDeadline = 10, retryPeriod = 2, releaseOnCancel = true, onStartedLeading = fn,
-- onStoppedLeading = fn, onNewLeader = fn(identity) } → an elector; elector:Run() campaigns,
-- leads (onStartedLeading runs as a task) and returns when leadership is lost or the elector stops.
function k8s.leaderElection(config)
  if type(config) ~= "table" or type(config.lease) ~= "table" or type(config.identity) ~= "string" then
    raise("bad argument #1 to 'leaderElection' (a table with lease = { namespace =, name = } and identity expected)")
  end
  local e = setmetatable({
    client = config.client or k8s.client(), namespace = config.lease.namespace, name = config.lease.name,
    identity = config.identity, leaseDuration = config.leaseDuration or 15, renewDeadline = config.renewDeadline or 10,
    retryPeriod = config.retryPeriod or 2, releaseOnCancel = config.releaseOnCancel ~= false,
    onStartedLeading = config.onStartedLeading, onStoppedLeading = config.onStoppedLeading, onNewLeader = config.onNewLeader,
  }, Elector)
  -- client-go's checks: leaseDuration > renewDeadline > retryPeriod * 1.2 (its JitterFactor)
  if e.leaseDuration <= e.renewDeadline then raise("leaseDuration must be greater than renewDeadline") end
  if e.renewDeadline <= e.retryPeriod * 1.2 then raise("renewDeadline must be greater than retryPeriod*1.2") end
  e.leases = e.client:Resource { group = "coordination.k8s.io", version = "v1", resource = "leases" }:Namespace(e.namespace)
  return e
end

function Elector:IsLeader() return self.leading == true end

-- The lease as seen, and when (our clock) it last changed: client-go's observedRecord and
-- observedTime.
function Elector:observe(lease)
  local spec = lease and lease.spec or {}
  local record = table.concat({ tostring(spec.holderIdentity), tostring(spec.renewTime), tostring(spec.leaseTransitions) }, "|")
  if record ~= self.observedRecord then
    self.observedRecord, self.observedTime = record, host.now()
    if spec.holderIdentity ~= self.observedHolder then
      self.observedHolder = spec.holderIdentity
      if self.onNewLeader and spec.holderIdentity and spec.holderIdentity ~= "" then self.onNewLeader(spec.holderIdentity) end
    end
  end
end

-- One try to acquire or renew the lease (client-go's tryAcquireOrRenew); whether we hold it.
function Elector:tryAcquireOrRenew()
  local now = microtime()
  local ok, lease = pcall(self.leases.Get, self.leases, self.name)
  if not ok then
    if not k8s.errors.IsNotFound(lease) then return false end
    local created
    ok, created = pcall(self.leases.Create, self.leases, {
      apiVersion = "coordination.k8s.io/v1", kind = "Lease", metadata = { name = self.name, namespace = self.namespace },
      spec = { holderIdentity = self.identity, leaseDurationSeconds = math.ceil(self.leaseDuration), acquireTime = now,
               renewTime = now, leaseTransitions = 0 },
    })
    if not ok then return false end
    self:observe(created)
    return true
  end
  self:observe(lease)
  local spec = lease.spec or {}
  local holder = spec.holderIdentity
  local duration = spec.leaseDurationSeconds or self.leaseDuration
  if holder and holder ~= "" and holder ~= self.identity and self.observedTime + duration > host.now() then
    return false  -- held by another, and not expired by our clock
  end
  if holder ~= self.identity then
    spec.acquireTime = now
    spec.leaseTransitions = (spec.leaseTransitions or 0) + 1
  end
  spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds = self.identity, now, math.ceil(self.leaseDuration)
  lease.spec = spec
  local updated
  ok, updated = pcall(self.leases.Update, self.leases, lease)  -- resourceVersion: a conflict loses
  if not ok then return false end
  self:observe(updated)
  return true
end

-- Gives the lease up: holder "", a lease of one second (client-go's release).
function Elector:release()
  local ok, lease = pcall(self.leases.Get, self.leases, self.name)
  if not ok or (lease.spec or {}).holderIdentity ~= self.identity then return end
  local now = microtime()
  lease.spec.holderIdentity, lease.spec.leaseDurationSeconds = "", 1
  lease.spec.renewTime, lease.spec.acquireTime = now, now
  pcall(self.leases.Update, self.leases, lease)
end

-- Waits `seconds` (other tasks run), or less once the elector stops; whether it has.
function Elector:pause(seconds, stopped)
  return tasks.waitFor(stopped, host.now() + seconds, true)
end

-- elector:Run(): campaigns every retryPeriod (with jitter) until it holds the lease, then leads:
-- onStartedLeading runs as a task while the lease is renewed every retryPeriod; a renewal that
-- does not succeed within renewDeadline loses the lease, cancels that task at once and calls
-- onStoppedLeading (which Run calls whenever it ends, as client-go). Stop() (or cancelling the
-- task running Run) cancels the work and releases the lease when releaseOnCancel. A shutdown
-- (SIGTERM) lets the work finish first, renewing the lease meanwhile, as controller-runtime's
-- manager stops its controllers before it releases.
function Elector:Run()
  self.stopped, self.draining = false, false
  local unregister = k8s.onShutdown(function() self.stopped, self.draining = true, true end)
  local status = k8s.metrics.gauge("leader_election_master_status", { name = self.name })
  status:set(0)
  local ok, err = pcall(function()
    local function stopped() return self.stopped end
    while not self:tryAcquireOrRenew() do
      if self:pause(self.retryPeriod * (1 + 0.2 * math.random()), stopped) then return end
    end
    self.leading = true
    status:set(1)
    local work = self.onStartedLeading and k8s.go(self.onStartedLeading)
    -- over: stopped, and at a shutdown also the work ended
    local function over() return self.stopped and not (self.draining and work and not work:done()) end
    local lastRenew = host.now()
    while not over() do
      if self:pause(self.retryPeriod, over) then break end
      if self:tryAcquireOrRenew() then
        lastRenew = host.now()
      elseif host.now() - lastRenew >= self.renewDeadline then
        break  -- lost
      end
    end
    self.leading = false
    if work then work:cancel() end
  end)
  self.leading = false
  status:set(0)
  unregister()
  if self.releaseOnCancel then self:release() end
  if self.onStoppedLeading then self.onStoppedLeading() end  -- always, as client-go's deferred call
  if not ok then error(err, 0) end
end

function Elector:Stop() self.stopped = true end
