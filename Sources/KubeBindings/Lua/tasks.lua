-- Tasks: Lua coroutines that wait for requests, watches, timers, channels and each other while
-- the other tasks run (docs/concurrency.md). Lua stays on one thread: tasks switch only where
-- they wait. The main chunk runs the scheduler whenever it waits itself, so it is a task too.
local host, k8s, atfinish, errorValue = ...

local tasks = {}

local Task = { __name = "k8s.Task" }
Task.__index = Task

local live = {}           -- tasks not finished: task → true
local byCoroutine = setmetatable({}, { __mode = "k" })
local runnable = {}       -- tasks to resume, in order
local waiting = {}        -- suspended tasks: task → true (each with .until_, .deadline, .external)
local finished = {}       -- every task that ended, in the order they ended (for the unseen failures)
local failures = 0        -- how many tasks have failed, to tell which failed first

local now = host.now

local function cancellation()
  return errorValue { code = 0, reason = "Canceled", message = "the task was cancelled" }
end

local function isCancellation(err) return getmetatable(err) == k8s.errors.Error and err.reason == "Canceled" end
local function isInterrupt(err) return type(err) == "string" and err:find("interrupted!$") ~= nil end
tasks.isInterrupt = isInterrupt

-- The task running now; nil in the main chunk and in coroutines that are not tasks.
local function current()
  local co, main = coroutine.running()
  if main then return nil end
  return byCoroutine[co]
end

local function cancelAll()
  for t in pairs(live) do t:cancel() end
end

-- Resumes a task once: it runs until it waits again or ends.
local function resume(t)
  waiting[t] = nil
  local r = table.pack(coroutine.resume(t.co))
  if coroutine.status(t.co) ~= "dead" then
    t.until_, t.deadline, t.external = r[2], r[3], r[4]
    waiting[t] = true
    return
  end
  live[t] = nil
  finished[#finished + 1] = t
  if r[1] and r[2] then
    t.state, t.results = "done", table.pack(table.unpack(r, 3, r.n))
    return
  end
  failures = failures + 1
  t.state, t.err, t.failedAt = "failed", r[1] and r[3] or r[2], failures
  if isInterrupt(t.err) then
    -- Ctrl-C while the task ran: every task ends and the main chunk is interrupted
    cancelAll()
    error(t.err, 0)
  end
end

-- Moves the waiting tasks that can go on to the runnable ones.
local function wake()
  local time = now()
  for t in pairs(waiting) do
    if t.cancelled or (t.deadline and time >= t.deadline) or (t.until_ and t.until_()) then
      waiting[t] = nil
      runnable[#runnable + 1] = t
    end
  end
end

-- Shutdown (SIGTERM, k8s.shutdown()): the handlers run once, in the order they were added, at
-- the scheduler's next turn; they only tell their work to stop (a controller's queue, an elector).
local shutdownHandlers = {}
local shutdownSeen = false

local function checkShutdown()
  if shutdownSeen or not host.shutdownRequested() then return end
  shutdownSeen = true
  for _, handler in ipairs({ table.unpack(shutdownHandlers) }) do
    local ok, err = pcall(handler)
    if not ok then k8s.log.error("shutdown handler: " .. tostring(err)) end
  end
end

-- Runs the tasks until `ready()` holds (true) or `deadline` passes (false), waiting for what
-- arrives when none can run. `external`: what is waited for comes from outside Lua (an answer,
-- a watch event, a timer), so waiting for it is not a deadlock.
local function runUntil(ready, deadline, external)
  while true do
    local generation = host.generation()
    checkShutdown()
    wake()
    -- one pass over what can run, then the caller's own condition: a task that is always ready
    -- cannot keep the caller from going on
    local batch = runnable
    runnable = {}
    for i, t in ipairs(batch) do
      local ok, err = pcall(resume, t)
      if not ok then
        for j = i + 1, #batch do runnable[#runnable + 1] = batch[j] end  -- kept for the next run
        error(err, 0)
      end
    end
    if ready() then return true end
    wake()
    local time = now()
    if deadline and time >= deadline then return false end
    local next_, outside = deadline, external or deadline ~= nil
    for t in pairs(waiting) do
      if t.deadline and (next_ == nil or t.deadline < next_) then next_ = t.deadline end
      outside = outside or t.external or t.deadline ~= nil
    end
    if #runnable == 0 then
      if not outside then
        error("deadlock: everything waits for a task or a channel that nothing will wake", 0)
      end
      if host.block(generation, next_ and math.max(0, next_ - time) or nil) then
        cancelAll()  -- Ctrl-C: the hook raises "interrupted!" in this chunk next
      end
    end
  end
end

-- Waits until `ready()` holds (true) or `deadline` passes (false), letting the other tasks run:
-- a task yields to the scheduler; the main chunk, a coroutine that is not a task, and a task
-- that cannot yield here (inside a metamethod or a C function) run the scheduler themselves.
local function waitFor(ready, deadline, external)
  local t = current()
  if t and t.cancelled then error(cancellation(), 0) end
  if t and coroutine.isyieldable() then
    coroutine.yield(ready, deadline, external)
    if t.cancelled then error(cancellation(), 0) end
    return ready()
  end
  return runUntil(ready, deadline, external)
end
tasks.waitFor = waitFor

-- Whether anything runs besides the caller: with no task alive and the caller not one, a wait
-- simply blocks, as in a script that uses no tasks.
local function alone()
  return next(live) == nil and current() == nil
end

-- The result of a pending request (KubeModule's PendingHandle): sent on this thread when the
-- caller is alone, else started and waited for while the other tasks run.
function tasks.await(pending)
  if alone() then return pending:result() end
  local t = current()
  pending:start()
  if t then t.pending = pending end
  local ok, err = pcall(waitFor, function() return pending:ready() end, nil, true)
  if t then t.pending = nil end
  if not ok then pending:cancel(); error(err, 0) end
  return pending:result()
end

-- Waits until a watch stream has something to read.
function tasks.ready(stream)
  if alone() or stream:ready() then return end
  waitFor(function() return stream:ready() end, nil, true)
end

-- k8s.go(fn, ...) → a task running fn(...).
function k8s.go(fn, ...)
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error(("bad argument #1 to 'go' (function expected, got %s)"):format(type(fn)), 2)
  end
  local args = table.pack(...)
  local t = setmetatable({ state = "running" }, Task)
  t.co = coroutine.create(function()
    if t.cancelled then return false, cancellation() end
    return xpcall(fn, function(err)
      if isInterrupt(err) then return err end
      if type(err) == "table" then
        if rawget(err, "traceback") == nil then rawset(err, "traceback", debug.traceback("task", 2)) end
        return err
      end
      return debug.traceback(tostring(err), 2)
    end, table.unpack(args, 1, args.n))
  end)
  byCoroutine[t.co] = t
  live[t] = true
  runnable[#runnable + 1] = t
  return t
end

function Task:done() return self.state ~= "running" end

-- task:wait() → fn's results, or its error raised (with the task's traceback).
function Task:wait()
  if current() == self then error("a task cannot wait for itself", 2) end
  waitFor(function() return self.state ~= "running" end)
  self.observed = true
  if self.state == "failed" then error(self.err, 0) end
  return table.unpack(self.results, 1, self.results.n)
end

-- task:cancel(): its pending wait (and every later one) raises a cancellation error.
function Task:cancel()
  if self.state ~= "running" or self.cancelled then return end
  self.cancelled = true
  if self.pending then self.pending:cancel() end
end

-- Waits for every task of `list`, or the first to fail; returns the one that failed first.
local function settle(list)
  waitFor(function()
    local pending = false
    for _, t in ipairs(list) do
      if t.state == "failed" then return true end
      if t.state == "running" then pending = true end
    end
    return not pending
  end)
  local first
  for _, t in ipairs(list) do
    t.observed = true
    if t.state == "failed" and (first == nil or t.failedAt < first.failedAt) then first = t end
  end
  if first then
    for _, t in ipairs(list) do t:cancel() end
    error(first.err, 0)
  end
end

-- k8s.all{ f1, f2, ... } → f1's result, f2's result, ...: the functions run as tasks; the first
-- error is raised and the other tasks are cancelled.
function k8s.all(fns)
  if type(fns) ~= "table" then error("bad argument #1 to 'all' (list of functions expected)", 2) end
  local list = {}
  for i, fn in ipairs(fns) do list[i] = k8s.go(fn) end
  settle(list)
  local results = {}
  for i, t in ipairs(list) do results[i] = t.results[1] end
  return table.unpack(results, 1, #list)
end

-- k8s.map(list, fn [, { workers = n }]) → { fn(list[1], 1), fn(list[2], 2), ... } with at most
-- n calls in flight (8 by default); the first error is raised and the rest cancelled.
function k8s.map(list, fn, options)
  if type(list) ~= "table" then error("bad argument #1 to 'map' (list expected)", 2) end
  local workers = options and options.workers or 8
  if math.type(workers) ~= "integer" or workers < 1 then error("bad argument #3 to 'map' (workers must be a positive integer)", 2) end
  local results, nextIndex, count = k8s.array(), 1, #list
  local function worker()
    while nextIndex <= count do
      local i = nextIndex
      nextIndex = nextIndex + 1
      results[i] = fn(list[i], i)
    end
  end
  local started = {}
  for w = 1, math.min(workers, count) do started[w] = k8s.go(worker) end
  settle(started)
  return results
end

-- k8s.timeout(seconds, fn, ...) → fn's results, or a Timeout error (and fn's task cancelled)
-- when it has not returned in time.
function k8s.timeout(seconds, fn, ...)
  if type(seconds) ~= "number" or seconds < 0 then error("bad argument #1 to 'timeout' (seconds expected)", 2) end
  local t = k8s.go(fn, ...)
  if not waitFor(function() return t.state ~= "running" end, now() + seconds, true) then
    t:cancel()
    t.observed = true
    error(errorValue { code = 0, reason = "Timeout", message = ("timed out after %gs"):format(seconds) }, 0)
  end
  return t:wait()
end

-- k8s.sleep(seconds): the other tasks run meanwhile.
local plainSleep = k8s.sleep
function k8s.sleep(seconds)
  if alone() then return plainSleep(seconds) end
  if type(seconds) ~= "number" or seconds ~= seconds or seconds < 0 then
    return plainSleep(seconds)  -- its argument error
  end
  waitFor(function() return false end, now() + seconds, true)
end

-- k8s.onShutdown(fn) → a function that removes fn: fn runs once when the process is asked to
-- shut down (SIGTERM, or k8s.shutdown()), or at once when it already has been, to stop taking
-- work; the script then ends as its tasks finish. A script with no handler is interrupted by
-- SIGTERM, as by Ctrl-C.
function k8s.onShutdown(fn)
  if type(fn) ~= "function" then error(("bad argument #1 to 'onShutdown' (function expected, got %s)"):format(type(fn)), 2) end
  if shutdownSeen then
    fn()
    return function() end
  end
  local entry = function() fn() end
  shutdownHandlers[#shutdownHandlers + 1] = entry
  host.shutdownHandlers(#shutdownHandlers)
  return function()
    for i, h in ipairs(shutdownHandlers) do
      if h == entry then table.remove(shutdownHandlers, i) break end
    end
    host.shutdownHandlers(#shutdownHandlers)
  end
end

-- k8s.shutdown(): what SIGTERM does, from the script: the shutdown handlers run.
function k8s.shutdown()
  host.requestShutdown()
  checkShutdown()
end

-- k8s.shuttingDown() → whether a shutdown was asked for.
function k8s.shuttingDown() return shutdownSeen or host.shutdownRequested() end

-- Channels -----------------------------------------------------------------------------------

local Channel = { __name = "k8s.Channel" }
Channel.__index = Channel

-- k8s.channel([size]): a queue between tasks. :send(v) waits while `size` values wait to be
-- received (with size 0, until v is received); :receive() waits for a value, nil once closed and
-- empty; `for v in ch do` receives until then.
function k8s.channel(size)
  size = size or 0
  if math.type(size) ~= "integer" or size < 0 then error("bad argument #1 to 'channel' (size must be an integer ≥ 0)", 2) end
  return setmetatable({ size = size, queue = {}, closed = false }, Channel)
end

function Channel:send(value)
  if value == nil then error("bad argument #1 to 'send' (a value expected, nil ends a receiving loop)", 2) end
  if self.closed then error("send on a closed channel", 2) end
  waitFor(function() return self.closed or #self.queue < math.max(self.size, 1) end)
  if self.closed then error("send on a closed channel", 2) end
  local ticket = { value = value }
  self.queue[#self.queue + 1] = ticket
  if self.size == 0 then waitFor(function() return ticket.taken or self.closed end) end
end

function Channel:receive()
  waitFor(function() return #self.queue > 0 or self.closed end)
  local ticket = table.remove(self.queue, 1)
  if ticket == nil then return nil end
  ticket.taken = true
  return ticket.value
end

function Channel:close() self.closed = true end

Channel.__call = function(self) return self:receive() end

-- When the main chunk has returned: tasks still running are cancelled (as a Go program's
-- goroutines end with main), and a task that failed with nobody waiting for it fails the script.
atfinish(function()
  for t in pairs(live) do t:cancel() end
  for _, t in ipairs(finished) do
    if t.state == "failed" and not t.observed and not isCancellation(t.err) then
      t.observed = true
      error(t.err, 0)
    end
  end
end)

k8s.errors.IsCanceled = isCancellation

return tasks
