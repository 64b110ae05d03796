-- pob-ls host glue, part 3: boot PoB without its GUI start-up.
--
-- Launch.lua is run for its `launch` object, but its OnInit is replaced: no first-run
-- updater, no update check, no manifest-driven dev mode (dev mode autosaves builds), and
-- the version number comes from the host. Main:Init then loads data, the mod cache and the
-- latest tree. No frame is ever run: the GUI's item databases and drawing are not needed.

local cfg = ...

dofile(cfg.script_dir .. "/Launch.lua")
-- Launch.lua sets small JIT limits; PoB's calc code thrashes them (see ARCHITECTURE.md).
jit.opt.start(unpack(cfg.jit_options))
-- Launch.lua lets the heap grow to 4x its live size between collections (pause 400): with a
-- dozen builds open in one worker that is gigabytes of garbage. Lua's default pause keeps it at 2x.
collectgarbage("setpause", cfg.gc_pause or 200)

launch.devMode = false
launch.installedMode = false
launch.versionNumber = cfg.version
launch.versionBranch = "release"
launch.versionPlatform = "pob-ls"
launch.lastUpdateCheck = 0
launch.subScripts = {}
launch.startTime = 0
launch.CheckForUpdate = function() end

local errMsg, mainObject = PLoadModule("Modules/Main")
if errMsg then
	error("PoB failed to load its main module: " .. tostring(errMsg), 0)
end
if not mainObject then
	error("PoB's main module returned nothing", 0)
end
launch.main = mainObject
errMsg = PCall(mainObject.Init, mainObject)
if errMsg then
	error("PoB failed to start: " .. tostring(errMsg), 0)
end
if launch.promptMsg then
	error("PoB failed to start: " .. StripEscapes(launch.promptMsg), 0)
end
mainObject.screenW, mainObject.screenH = 1920, 1080
mainObject.viewPort = { x = 0, y = 0, width = 1920, height = 1080 }
mainObject.onFrameFuncs = {}
mainObject.newMode = nil
