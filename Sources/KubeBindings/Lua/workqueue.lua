-- Work queues, as client-go's util/workqueue: a rate-limited, delaying, deduplicating queue of
-- keys for controllers' workers (tasks). A key is never handed to two workers at once, and a key
-- added while it is processed is processed again after Done.
local host, k8s, internal = ...
local tasks, raise = internal.tasks, internal.raise

-- Rate limiters --------------------------------------------------------------------------------

local RateLimiter = { __name = "k8s.RateLimiter" }
RateLimiter.__index = RateLimiter

-- client-go's DefaultControllerRateLimiter: the larger of a per-item exponential backoff (5 ms
-- doubling to 1000 s) and an overall token bucket (10 per second, 100 at once).
local function defaultRateLimiter(clock)
  return setmetatable({ clock = clock, failures = {}, base = 0.005, max = 1000, qps = 10, burst = 100, tokens = 100,
                        last = clock() }, RateLimiter)
end

-- When(item) → seconds to wait before the item may be handled again.
function RateLimiter:When(item)
  local failures = self.failures[item] or 0
  self.failures[item] = failures + 1
  local backoff = math.min(self.base * 2 ^ failures, self.max)
  -- the bucket: a token per item, refilled at qps; a missing token is a wait until it comes
  local now = self.clock()
  self.tokens = math.min(self.burst, self.tokens + (now - self.last) * self.qps)
  self.last = now
  self.tokens = self.tokens - 1
  local bucket = self.tokens >= 0 and 0 or -self.tokens / self.qps
  return math.max(backoff, bucket)
end

function RateLimiter:Forget(item) self.failures[item] = nil end
function RateLimiter:NumRequeues(item) return self.failures[item] or 0 end

-- The queue ------------------------------------------------------------------------------------

local Queue = { __name = "k8s.WorkQueue" }
Queue.__index = Queue

-- client-go's workqueue metrics, by the queue's name.
local function queueMetrics(name)
  local labels = { name = name }
  return {
    depth = k8s.metrics.gauge("workqueue_depth", labels), adds = k8s.metrics.counter("workqueue_adds_total", labels),
    retries = k8s.metrics.counter("workqueue_retries_total", labels),
    queueDuration = k8s.metrics.histogram("workqueue_queue_duration_seconds", labels),
    workDuration = k8s.metrics.histogram("workqueue_work_duration_seconds", labels),
  }
end

-- k8s.workqueue{ name = [, clock = fn → seconds] [, rateLimiter =] }: with a clock of its own (a
-- test's fake), delays and the rate limiter go by it.
function k8s.workqueue(options)
  options = options or {}
  local clock = options.clock or host.now
  return setmetatable({
    name = options.name or "", clock = clock, fake = options.clock ~= nil,
    queue = {}, dirty = {}, processing = {}, delayed = {}, shuttingDown = false,
    rateLimiter = options.rateLimiter or defaultRateLimiter(clock),
    adds = 0, retries = 0, addedAt = {}, startedAt = {}, metrics = queueMetrics(options.name or ""),
  }, Queue)
end

-- Queues an item that is neither queued nor handed out, with client-go's workqueue metrics.
function Queue:push(item)
  self.queue[#self.queue + 1] = item
  self.addedAt[item] = self.clock()
  self.metrics.depth:set(#self.queue)
end

-- Moves the delayed items whose time has come to the queue.
function Queue:promote()
  local now = self.clock()
  for item, at in pairs(self.delayed) do
    if now >= at then
      self.delayed[item] = nil
      self:Add(item)
    end
  end
end

function Queue:Add(item)
  if item == nil then raise("bad argument #1 to 'Add' (an item expected)") end
  if self.shuttingDown or self.dirty[item] then return end
  self.adds = self.adds + 1
  self.metrics.adds:inc()
  self.dirty[item] = true
  if self.processing[item] then return end  -- handed out: queued again by Done
  self:push(item)
end

-- q:AddAfter(item, seconds): added once the seconds have passed (the earliest wins).
function Queue:AddAfter(item, seconds)
  if self.shuttingDown then return end
  if seconds <= 0 then return self:Add(item) end
  local at = self.clock() + seconds
  if self.delayed[item] == nil or at < self.delayed[item] then self.delayed[item] = at end
end

function Queue:AddRateLimited(item)
  self.retries = self.retries + 1
  self.metrics.retries:inc()
  self:AddAfter(item, self.rateLimiter:When(item))
end

function Queue:Forget(item) self.rateLimiter:Forget(item) end
function Queue:NumRequeues(item) return self.rateLimiter:NumRequeues(item) end

function Queue:Len()
  self:promote()
  return #self.queue
end

-- q:Get() → the next item, false; or nil, true once the queue is shut down and empty. Waits (other
-- tasks run) until there is one.
function Queue:Get()
  local function ready()
    self:promote()
    return #self.queue > 0 or self.shuttingDown
  end
  while not ready() do
    local soonest
    if not self.fake then
      for _, at in pairs(self.delayed) do if soonest == nil or at < soonest then soonest = at end end
    end
    -- real-clock delays are deadlines for the scheduler; other adds come from tasks
    tasks.waitFor(ready, soonest and (host.now() + math.max(0, soonest - self.clock())), soonest ~= nil)
  end
  if #self.queue == 0 then return nil, true end
  local item = table.remove(self.queue, 1)
  self.processing[item] = true
  self.dirty[item] = nil
  local now = self.clock()
  self.metrics.depth:set(#self.queue)
  self.metrics.queueDuration:observe(now - (self.addedAt[item] or now))
  self.addedAt[item], self.startedAt[item] = nil, now
  return item, false
end

-- q:Done(item): the item's processing is over; added meanwhile, it is queued again.
function Queue:Done(item)
  self.processing[item] = nil
  if self.startedAt[item] then
    self.metrics.workDuration:observe(self.clock() - self.startedAt[item])
    self.startedAt[item] = nil
  end
  if self.dirty[item] then self:push(item) end
end

function Queue:ShutDown()
  self.shuttingDown = true
  self.delayed = {}
end

function Queue:ShuttingDown() return self.shuttingDown end

k8s.DefaultControllerRateLimiter = defaultRateLimiter
