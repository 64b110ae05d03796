-- pob-ls host glue, part 1: the world Path of Building expects, built by us.
--
-- PoB is written against SimpleGraphic, a C host that provides drawing, input, file search,
-- zlib and paths. This file provides a headless version of that host inside a sandbox:
--   * every file PoB opens is resolved against the engine's script folder;
--   * every write, and every read of a file PoB wrote, goes to a per-engine cache folder,
--     so the engine folder is never modified;
--   * nothing outside the engine folder and the cache folder can be opened;
--   * no subprocesses, no network, no native modules, no environment variables.
--
-- It is run once per Lua state, before PoB's Launch.lua, with one argument: a table
-- `cfg` built by pob_ls/engine/host.py.

local cfg = ...

-- lupa always installs a `python` module; Lua must never reach Python.
python = nil
package.loaded.python = nil

local real_open = io.open
local real_loadfile = loadfile
local real_load = load
local s_format = string.format
local t_insert = table.insert

local ENGINE_ROOT = cfg.engine_root      -- the folder that holds the whole engine
local SCRIPT_DIR = cfg.script_dir        -- the folder that holds Launch.lua
local CACHE_DIR = cfg.cache_dir          -- writable, owned by us
local OVERLAY_DIR = cfg.overlay_dir      -- CACHE_DIR/overlay: PoB's writes into its own folder land here
local USER_DIR = cfg.user_dir            -- what GetUserPath() returns

pobls_host = {
	log = {},          -- console output, drained by the host
	log_limit = 2000,
}

local function log_line(line)
	local log = pobls_host.log
	if #log >= pobls_host.log_limit then
		table.remove(log, 1)
	end
	t_insert(log, line)
end

-- ---------------------------------------------------------------------------
-- Paths
-- ---------------------------------------------------------------------------

local function normalize(path)
	local absolute = path:sub(1, 1) == "/"
	local parts = {}
	for part in path:gmatch("[^/\\]+") do
		if part == ".." then
			if #parts > 0 then
				table.remove(parts)
			end
		elseif part ~= "." and part ~= "" then
			t_insert(parts, part)
		end
	end
	return (absolute and "/" or "") .. table.concat(parts, "/")
end

local function absolute(path)
	if path:sub(1, 1) == "/" then
		return normalize(path)
	end
	return normalize(SCRIPT_DIR .. "/" .. path)
end

-- The part of `path` below `dir`, or nil when `path` is not inside `dir`.
local function inside(path, dir)
	if path == dir then
		return ""
	end
	if path:sub(1, #dir + 1) == dir .. "/" then
		return path:sub(#dir + 2)
	end
	return nil
end

local function denied(path)
	return nil, s_format("%s: access denied by pob-ls (outside the engine)", tostring(path))
end

-- Resolve a path PoB asked for into the real file to use.
-- Returns the path to open, or nil and an error.
local function resolve(path, writing)
	if type(path) ~= "string" then
		return denied(path)
	end
	local abs = absolute(path)
	if inside(abs, CACHE_DIR) then
		-- Writes are checked in Python (ensure_parent); reads too, since a symlink planted in
		-- the cache could point anywhere.
		if not writing and not cfg.readable_in_cache(abs) then
			return denied(path)
		end
		return abs
	end
	local rel = inside(abs, ENGINE_ROOT)
	if rel == nil then
		return denied(path)
	end
	local overlay = OVERLAY_DIR .. "/" .. rel
	if writing then
		return overlay
	end
	local f = real_open(overlay, "rb")
	if f then
		f:close()
		if not cfg.readable_in_cache(overlay) then
			return denied(path)
		end
		return overlay
	end
	return abs
end
pobls_host.resolve = resolve

-- ---------------------------------------------------------------------------
-- The sandboxed standard library
-- ---------------------------------------------------------------------------

function io.open(path, mode)
	mode = mode or "r"
	local writing = mode:find("[wa+]") ~= nil
	local target, err = resolve(path, writing)
	if not target then
		return nil, err
	end
	if writing then
		cfg.ensure_parent(target)
	end
	return real_open(target, mode)
end

function io.lines(path, ...)
	if path == nil then
		error("io.lines on standard input is not available in pob-ls")
	end
	local f, err = io.open(path, "r")
	if not f then
		error(err)
	end
	local iter = f:lines(...)
	return function()
		local line = iter()
		if line == nil then
			f:close()
		end
		return line
	end
end

io.popen = nil
io.input = nil
io.output = nil
io.read = function() return nil end
io.write = function(...)
	log_line(table.concat({ ... }))
end

function os.remove(path)
	local target, err = resolve(path, true)
	if not target or not inside(target, CACHE_DIR) then
		return nil, err or "pob-ls: remove outside the cache is not allowed"
	end
	return cfg.remove_file(target)
end

function os.rename(src, dst)
	return nil, "pob-ls: rename is not available"
end

os.execute = nil
os.exit = nil
os.tmpname = nil
os.getenv = function() return nil end
os.setlocale = function() return "C" end

-- The translating loader (issue #11): a chunk plain LuaJIT rejects is handed to Python, which
-- rewrites LuaJIT's 2026 syntax (compound assignments, continue, ...) line for line, or says which
-- construct on which line it cannot translate. Chunks that compile as they are never reach it.
local function load_translated(target, compile_err, mode, env)
	local f = real_open(target, "rb")
	if not f then
		return nil, compile_err
	end
	local source = f:read("*a")
	f:close()
	local translated, err = cfg.translate_chunk(source, target)
	if not translated then
		return nil, err or compile_err
	end
	local func, err2 = real_load(translated, "@" .. target, "t", env)
	if not func then
		return nil, tostring(err2) .. " (in pob-ls's translation of LuaJIT 2026 syntax)"
	end
	return func
end

function loadfile(path, mode, env)
	local target, err = resolve(path, false)
	if not target then
		return nil, err
	end
	local func, compile_err = real_loadfile(target, mode, env)
	if func then
		return func
	end
	return load_translated(target, compile_err, mode, env)
end

function dofile(path)
	local func = assert(loadfile(path))
	return func()
end

load = (function(real_load)
	-- Binary chunks can break out of the VM: text only.
	return function(chunk, name, mode, env)
		return real_load(chunk, name, "t", env)
	end
end)(load)
loadstring = function(s, name)
	return load(s, name, "t")
end

-- Pure-Lua libraries only, from the engine's folders; no native modules, no FFI.
package.path = cfg.package_path
package.cpath = ""
package.loadlib = nil
package.preload.ffi = nil
package.loaded.ffi = nil
-- Bytecode and trace introspection: nothing PoB needs, and a window into the VM's internals.
package.preload["jit.util"] = nil
package.loaded["jit.util"] = nil
for i = #package.loaders, 3, -1 do
	table.remove(package.loaders, i) -- C and all-in-one loaders
end
package.loaders[2] = function(name)
	local file = package.searchpath(name, package.path)
	if not file then
		return "\n\tno file for '" .. name .. "' in the engine"
	end
	local func, err = loadfile(file)
	if not func then
		error(err)
	end
	return func
end

-- `lua-utf8`: PoB only uses it to format numbers and to move an edit caret. Every separator PoB
-- formats with is a single ASCII character by default, so the byte functions are exact here.
local utf8_shim = {
	reverse = string.reverse,
	gsub = string.gsub,
	find = string.find,
	sub = string.sub,
	match = string.match,
	len = string.len,
	next = function(s, i, step)
		local j = (i or 0) + (step or 1)
		if j < 1 or j > #s then
			return nil
		end
		return j
	end,
}
package.preload["lua-utf8"] = function() return utf8_shim end
-- Network and archive modules are absent: PoB treats a nil module as "feature unavailable".
package.preload["lcurl.safe"] = function() return nil end
package.preload["lcurl"] = function() return nil end
package.preload["lzip"] = function() return nil end

-- ---------------------------------------------------------------------------
-- SimpleGraphic, headless
-- ---------------------------------------------------------------------------

local callbacks = {}
local mainObject
function runCallback(name, ...)
	if callbacks[name] then
		return callbacks[name](...)
	elseif mainObject and mainObject[name] then
		return mainObject[name](mainObject, ...)
	end
end
function SetCallback(name, func) callbacks[name] = func end
function GetCallback(name) return callbacks[name] end
function SetMainObject(obj) mainObject = obj end

local imageHandle = {}
imageHandle.__index = imageHandle
function NewImageHandle() return setmetatable({}, imageHandle) end
function imageHandle:Load() self.valid = true end
function imageHandle:Unload() self.valid = false end
function imageHandle:IsValid() return self.valid end
function imageHandle:IsLoading() return false end
function imageHandle:SetLoadingPriority() end
function imageHandle:ImageSize() return 1, 1 end

local function noop() end
RenderInit = noop
SetClearColor = noop
SetDrawLayer = noop
SetViewport = noop
SetDrawColor = noop
DrawImage = noop
DrawImageQuad = noop
DrawString = noop
SetWindowTitle = noop
SetCursorPos = noop
ShowCursor = noop
Copy = noop
ConExecute = noop
ConClear = noop
ConPrintTable = noop
SpawnProcess = noop
OpenURL = noop
SetProfiling = noop
Restart = noop
Exit = noop
TakeScreenshot = noop
AbortSubScript = noop
SetWorkDir = noop
function GetScreenSize() return 1920, 1080 end
function GetVirtualScreenSize() return 1920, 1080 end
function GetScreenScale() return 1 end
function GetDPIScaleOverridePercent() return 0 end
function SetDPIScaleOverridePercent() end
function DrawStringWidth() return 1 end
function DrawStringCursorIndex() return 0 end
function GetAsyncCount() return 0 end
function GetCursorPos() return 0, 0 end
function IsKeyDown() return false end
function Paste() return "" end
function GetTime() return 0 end
function GetCloudProvider() return nil, nil, nil end
function IsSubScriptRunning() return false end
function LaunchSubScript() return nil end
function StripEscapes(text)
	return (text:gsub("%^%d", ""):gsub("%^x%x%x%x%x%x%x", ""))
end

function GetScriptPath() return SCRIPT_DIR end
function GetRuntimePath() return CACHE_DIR .. "/runtime" end
function GetUserPath() return USER_DIR end
function GetWorkDir() return SCRIPT_DIR end
function MakeDir(path)
	local target = resolve(path, true)
	if target then
		cfg.ensure_dir(target)
		return true
	end
	return nil, "pob-ls: directory outside the cache"
end
function RemoveDir() return nil, "pob-ls: not available" end

function Deflate(data) return cfg.deflate(data) end
function Inflate(data) return cfg.inflate(data) end

-- File search over the engine folder with the cache overlay on top.
local fileSearch = {}
fileSearch.__index = fileSearch
function NewFileSearch(pattern, dirOnly)
	local target = resolve(pattern, false)
	if not target then
		return nil
	end
	local abs = absolute(pattern)
	local rel = inside(abs, ENGINE_ROOT)
	local found = cfg.file_search(abs, rel and (OVERLAY_DIR .. "/" .. rel) or "", dirOnly and true or false)
	if not found or #found == 0 then
		return nil
	end
	return setmetatable({ list = found, index = 1 }, fileSearch)
end
function fileSearch:GetFileName() return self.list[self.index].name end
function fileSearch:GetFileSize() return self.list[self.index].size end
function fileSearch:GetFileModifiedTime() return self.list[self.index].mtime end
function fileSearch:NextFile()
	self.index = self.index + 1
	return self.list[self.index] ~= nil
end

function ConPrintf(fmt, ...)
	local ok, text = pcall(s_format, fmt, ...)
	log_line(ok and text or tostring(fmt))
end
print = function(...)
	local parts = {}
	for i = 1, select("#", ...) do
		parts[i] = tostring((select(i, ...)))
	end
	log_line(table.concat(parts, "\t"))
end

-- PoB's own module loader, resolved through the sandbox.
function LoadModule(fileName, ...)
	if not fileName:match("%.lua") then
		fileName = fileName .. ".lua"
	end
	local func, err = loadfile(fileName)
	if func then
		return func(...)
	end
	error("LoadModule() error loading '" .. fileName .. "': " .. tostring(err))
end
function PCall(func, ...)
	local ret = { pcall(func, ...) }
	if ret[1] then
		table.remove(ret, 1)
		return nil, unpack(ret)
	end
	return ret[2]
end
function PLoadModule(fileName, ...)
	if not fileName:match("%.lua") then
		fileName = fileName .. ".lua"
	end
	local func, err = loadfile(fileName)
	if func then
		return PCall(func, ...)
	end
	error("PLoadModule() error loading '" .. fileName .. "': " .. tostring(err))
end

arg = {}
