-- luacheck's settings for every .lua file of the project (LuaLintTests runs it).
std = "lua54"
max_line_length = 160
read_globals = { "k8s" }
exclude_files = { ".build/**" }

files["**/*_test.lua"] = { read_globals = { "test" } }
-- the prelude makes k8s, and load, loadfile and dofile that load text only
files["Sources/KubeScript/Lua/prelude.lua"] = { globals = { "load", "loadfile", "dofile" } }

-- methods need not use self
self = false
