-- Prints, for each thread of this process after a request, requests from tasks (worker
-- threads) and a watch, whether it blocks SIGINT: "main" is the Lua thread, "other" every
-- thread a library started.
local c = k8s.client()
c:CoreV1():ConfigMaps():List()
k8s.all { function() return c:CoreV1():ConfigMaps():List() end, function() return c:CoreV1():Pods():List() end }
local watch = c:CoreV1():ConfigMaps():Watch { timeoutSeconds = 1 }
watch()  -- the first event
local pid = io.open("/proc/self/stat"):read("n")
local listing = assert(io.popen("ls /proc/" .. pid .. "/task"))
for tid in listing:lines() do
  local status = assert(io.open(("/proc/%d/task/%s/status"):format(pid, tid))):read("a")
  local name, blocked = status:match("Name:%s*([^\n]*)"), status:match("SigBlk:%s*(%x+)")
  local blocks = (tonumber(blocked:sub(-1), 16) & 2) ~= 0  -- SIGINT is signal 2: bit 1
  print(tid == tostring(pid) and "main" or "other", name, blocks and "blocks SIGINT" or "takes SIGINT")
end
listing:close()
