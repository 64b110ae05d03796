-- pob-ls host glue, part 2: the API the Python host calls.
--
-- One PoB build object per loaded document, several per Lua state. Errors are raised
-- (never swallowed into PoB's modal prompt), and PoB's global calculation cache is wiped
-- before every load and every recalculation, because its keys do not name the build.

local cfg = ...

local t_insert = table.insert

local api = {}
local builds = {}
local nextId = 0

local function clearUiState()
	launch.promptMsg = nil
	if main.popups then
		wipeTable(main.popups)
	end
	main.newMode = nil
end

-- PoB reports load failures through a modal prompt or a popup instead of an error.
local function raiseUiError(prefix)
	local msg = launch.promptMsg
	if msg then
		clearUiState()
		msg = StripEscapes(msg)
		msg = msg:gsub("\nPress Enter/Escape to dismiss.*$", ""):gsub("^Error:%s*", "")
		error(prefix .. msg, 0)
	end
	local popup = main.popups and main.popups[1]
	if popup then
		local lines = {}
		for _, control in pairs(popup.controls or {}) do
			local label = control.label
			if type(label) == "function" then
				local ok, text = pcall(label)
				label = ok and text or nil
			end
			if type(label) == "string" and label ~= "" then
				t_insert(lines, StripEscapes(label))
			end
		end
		table.sort(lines, function(a, b) return #a > #b end)
		local title = popup.title and StripEscapes(popup.title) or "PoB opened a popup"
		clearUiState()
		local known = ""
		if title:match("Tree Version") and treeVersionList then
			known = string.format(" (PoB %s knows tree versions %s to %s)", tostring(launch.versionNumber),
				treeVersionList[1], latestTreeVersion or treeVersionList[#treeVersionList])
		end
		error(prefix .. title .. (lines[1] and (": " .. lines[1]) or "") .. known, 0)
	end
end

local function setRadiiFor(build)
	if build.spec and build.spec.treeVersion then
		data.setJewelRadiiGlobally(build.spec.treeVersion)
	end
end

-- Recalculate the way the GUI does on the frame after a change, then settle the
-- auto-levelled character level as the GUI's sidebar would.
local function recalc(build)
	setRadiiFor(build)
	wipeGlobalCache()
	build.outputRevision = (build.outputRevision or 0) + 1
	build.buildFlag = false
	build.calcsTab:BuildOutput()
	build:RefreshStatList()
	for _ = 1, 3 do
		build:EstimatePlayerProgress()
		if not build.buildFlag then
			break
		end
		wipeGlobalCache()
		build.outputRevision = build.outputRevision + 1
		build.buildFlag = false
		build.calcsTab:BuildOutput()
		build:RefreshStatList()
	end
end

-- A freed build stays alive while compiled JIT traces hold its closures as constants (measured:
-- +20 MB of Lua heap per load and free, for good). Flushing the traces frees them but costs the
-- next calculation its recompilation (~0.5 s), so it happens once every FLUSH_AFTER_FREES frees:
-- at most that many dead builds are kept.
local FLUSH_AFTER_FREES = 4
local freedSinceFlush = 0
local freed = setmetatable({}, { __mode = "k" }) -- freed builds, while anything keeps them alive

local function retire(build)
	freed[build] = true
	freedSinceFlush = freedSinceFlush + 1
	if freedSinceFlush >= FLUSH_AFTER_FREES then
		jit.flush()
		freedSinceFlush = 0
	end
end

function api.load(xmlText, name)
	clearUiState()
	wipeGlobalCache()
	local build = LoadModule("Modules/Build")
	local ok, err = pcall(build.Init, build, false, name or "pob-ls", xmlText)
	if main.onFrameFuncs then -- the trade query's per-frame callbacks hold the build; no frame runs
		main.onFrameFuncs.TradeQueryRequests = nil
		main.onFrameFuncs.TradeQueryGenerator = nil
	end
	if not ok then
		clearUiState()
		retire(build)
		error("PoB failed to load the build: " .. tostring(err), 0)
	end
	ok, err = pcall(raiseUiError, "PoB could not load the build: ")
	if ok and (not build.calcsTab or not build.calcsTab.mainEnv) then
		clearUiState()
		ok, err = false, "PoB could not load the build (no calculation was made)"
	end
	if not ok then
		retire(build)
		error(err, 0)
	end
	ok, err = pcall(build.EstimatePlayerProgress, build)
	if ok and build.buildFlag then
		ok, err = pcall(recalc, build)
	end
	if not ok then
		retire(build)
		error("PoB failed to calculate the build: " .. tostring(err), 0)
	end
	nextId = nextId + 1
	builds[nextId] = build
	return nextId
end

-- PoB's own flag matcher is local to Build.lua: take it from a closure that uses it.
local matchFlagsCache
local function matchFlags(reqFlags, notFlags, flags)
	if not matchFlagsCache then
		local i = 1
		while true do
			local name, value = debug.getupvalue(builds[next(builds)].AddDisplayStatList, i)
			if not name then
				break
			end
			if name == "matchFlags" then
				matchFlagsCache = value
				break
			end
			i = i + 1
		end
		if not matchFlagsCache then
			error("this PoB version has no matchFlags in Build.lua; pob-ls cannot read its sidebar", 0)
		end
	end
	return matchFlagsCache(reqFlags, notFlags, flags)
end

local function get(id)
	local build = builds[id]
	if not build then
		error("no build with id " .. tostring(id), 0)
	end
	return build
end
api.get = get

-- One element of a build file, parsed as PoB parses the file (in-place updates get a section or
-- an element as text); `who` starts the error.
function api.parseElement(text, who)
	local nodes, err = common.xml.ParseXML(text)
	if err or type(nodes) ~= "table" or type(nodes[1]) ~= "table" then
		error(who .. ": cannot parse the edited element: " .. tostring(err), 0)
	end
	return nodes[1]
end

-- The build with any work it owes done first: after a passive tree edit, incremental.lua leaves
-- the tree's paths and dependents (state only the GUI and what-ifs read) to `pobls_settle`.
function api.settled(id)
	local build = get(id)
	local settle = build.pobls_settle
	if settle then
		build.pobls_settle = nil
		settle()
	end
	return build
end

function api.free(id)
	local build = builds[id]
	builds[id] = nil
	if build then
		retire(build)
	end
	wipeGlobalCache()
end

-- How many freed builds are still alive after a full collection (tests: the bound above).
function api.freedAlive()
	collectgarbage("collect")
	collectgarbage("collect")
	local n = 0
	for _ in pairs(freed) do
		n = n + 1
	end
	return n
end

function api.recalc(id)
	local build = get(id)
	local ok, err = pcall(recalc, build)
	if not ok then
		error("PoB failed to calculate the build: " .. tostring(err), 0)
	end
	raiseUiError("PoB reported an error: ")
end

-- ---------------------------------------------------------------------------
-- Results
-- ---------------------------------------------------------------------------

local function scalarOutputs(output, prefix, into)
	for key, value in pairs(output) do
		local t = type(value)
		if t == "number" or t == "boolean" or t == "string" then
			into[prefix .. key] = value
		elseif t == "table" and (key == "MainHand" or key == "OffHand") then
			scalarOutputs(value, prefix .. key .. ".", into)
		end
	end
	return into
end

-- The <PlayerStat>/<MinionStat> pairs exactly as Build:Save selects them, with raw numbers.
local function savedStats(build)
	local player, minion = {}, {}
	local mainOutput = build.calcsTab.mainOutput
	local added = {}
	local flags = build.calcsTab.mainEnv.player.mainSkill.skillFlags
	for _, statData in ipairs(build.displayStats) do
		if matchFlags(statData.flag, statData.notFlag, flags) then
			local statName = statData.stat and statData.stat .. (statData.childStat or "")
			if statName and not added[statName] and statData.stat ~= "SkillDPS" then
				local value = mainOutput[statData.stat]
				if value and statData.childStat then
					value = value[statData.childStat]
				end
				if value ~= nil and type(value) ~= "table" then
					t_insert(player, { statName, value })
					added[statName] = true
				end
			elseif statData.stat == "SkillDPS" then
				added[statName] = true
			end
		end
	end
	for _, stat in ipairs(build.extraSaveStats) do
		local value = mainOutput[stat]
		if value ~= nil and type(value) ~= "table" then
			t_insert(player, { stat, value })
		end
	end
	if build.calcsTab.mainEnv.minion and mainOutput.Minion then
		for _, statData in ipairs(build.minionDisplayStats) do
			if statData.stat then
				local value = mainOutput.Minion[statData.stat]
				if value ~= nil and type(value) ~= "table" then
					t_insert(minion, { statData.stat, value })
				end
			end
		end
	end
	return player, minion
end

-- Display stats with their keys, filtered as Build:AddDisplayStatList filters them.
local function displayStats(build, statList, actor, section)
	local rows = {}
	for _, statData in ipairs(statList) do
		if statData.stat and statData.stat ~= "SkillDPS" and not statData.hideStat
			and matchFlags(statData.flag, statData.notFlag, actor.mainSkill.skillFlags) then
			local value = actor.output[statData.stat]
			if value ~= nil and statData.childStat and type(value) == "table" then
				value = value[statData.childStat]
			end
			if type(value) == "number" and ((statData.condFunc and statData.condFunc(value, actor.output))
				or (not statData.condFunc and value ~= 0)) then
				local overCap = statData.overCapStat and actor.output[statData.overCapStat] or nil
				local warn = actor.output[statData.stat .. "Warning"] and true or false
				if statData.warnFunc and statData.warnFunc(value, actor.output) and statData.warnColor then
					warn = true
				end
				t_insert(rows, {
					section = section,
					stat = statData.stat .. (statData.childStat and ("." .. statData.childStat) or ""),
					label = statData.label,
					value = value,
					text = StripEscapes(build:FormatStat(statData, value, overCap)),
					warn = warn,
					lowerIsBetter = statData.lowerIsBetter and true or false,
				})
			end
		end
	end
	if section == "player" and type(actor.output.SkillDPS) == "table" then
		for _, skillData in ipairs(actor.output.SkillDPS) do
			local label = skillData.name
			if skillData.count >= 2 then
				label = tostring(skillData.count) .. "x " .. label
			end
			t_insert(rows, {
				section = "fullDPS",
				stat = "SkillDPS",
				label = label,
				value = skillData.dps * skillData.count,
				text = StripEscapes(build:FormatStat({ fmt = "1.f" }, skillData.dps * skillData.count)),
				warn = false,
				lowerIsBetter = false,
			})
		end
	end
	return rows
end

local function sidebarRows(build)
	local rows = {}
	for _, row in ipairs(build.controls.statBox.list) do
		if row[1] then
			t_insert(rows, { StripEscapes(row[1]), row[2] and StripEscapes(row[2]) or "" })
		else
			t_insert(rows, { "", "" })
		end
	end
	return rows
end

local function mainSkillName(build)
	local env = build.calcsTab.mainEnv
	local skill = env and env.player and env.player.mainSkill
	if skill and skill.activeEffect and skill.activeEffect.grantedEffect then
		return skill.activeEffect.grantedEffect.name
	end
	return nil
end

function api.result(id)
	local build = get(id)
	local env = build.calcsTab.mainEnv
	local player, minion = savedStats(build)
	local display = displayStats(build, build.displayStats, env.player, "player")
	if env.minion then
		local minionRows = displayStats(build, build.minionDisplayStats, env.minion, "minion")
		for _, row in ipairs(display) do
			t_insert(minionRows, row)
		end
		display = minionRows
	end
	local warnings = {}
	for _, line in ipairs(build.controls.warnings.lines or {}) do
		t_insert(warnings, StripEscapes(line))
	end
	local spec = build.spec
	return {
		className = spec and spec.curClassName,
		ascendClassName = spec and spec.curAscendClassName,
		level = build.characterLevel,
		treeVersion = spec and spec.treeVersion,
		mainSocketGroup = build.mainSocketGroup,
		mainSkill = mainSkillName(build),
		outputRevision = build.outputRevision,
		output = scalarOutputs(build.calcsTab.mainOutput, "", {}),
		minionOutput = build.calcsTab.mainOutput.Minion and scalarOutputs(build.calcsTab.mainOutput.Minion, "", {}) or nil,
		playerStats = player,
		minionStats = minion,
		displayStats = display,
		sidebar = sidebarRows(build),
		warnings = warnings,
	}
end

return api
