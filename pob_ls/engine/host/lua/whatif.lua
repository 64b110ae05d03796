-- pob-ls host glue: what-if deltas through PoB's own calculator and compare wording.
--
-- Each function asks PoB's misc calculator (the one its tooltips use) for the build with one
-- change, then formats the difference with Build:AddStatComparesToTooltip, exactly the lines
-- the GUI shows in a tooltip. The build itself is not changed (gem toggles are restored).

local cfg, api = ...

local M = {}

local function compare(build, base, output, header, nodeCount)
	local tooltip = new("Tooltip")
	local count = build:AddStatComparesToTooltip(tooltip, base, output, header, nodeCount)
	local lines = {}
	for _, line in ipairs(tooltip.lines) do
		if line.text then
			lines[#lines + 1] = StripEscapes(line.text)
		end
	end
	return { count = count, header = header, lines = lines }
end

local function calculator(build)
	wipeGlobalCache()
	if build.spec and build.spec.treeVersion then
		data.setJewelRadiiGlobally(build.spec.treeVersion)
	end
	return build.calcsTab:GetMiscCalculator(build)
end

-- The socket group at position `groupIndex` among the file's <Skill> elements (groups granted by
-- items or the tree have `source` and are not in the file), and its index in socketGroupList.
local function fileGroup(build, groupIndex)
	local n = 0
	for i, g in ipairs(build.skillsTab.socketGroupList) do
		if not g.source then
			n = n + 1
			if n == groupIndex then
				return g, i
			end
		end
	end
	return nil, nil
end

-- Removing (unequipping) the item in `slotName`.
function M.removeItem(id, slotName)
	local build = api.get(id)
	local slot = build.itemsTab.slots[slotName]
	if not slot or not slot.selItemId or slot.selItemId == 0 then
		return nil
	end
	local calcFunc, base = calculator(build)
	local output = calcFunc({ repSlotName = slotName, repItem = nil })
	return compare(build, base, output, "Removing this item from " .. (slot.label or slotName) .. " will give you:")
end

-- Unallocating (or allocating) one passive node, and as PoB's tree tooltip also shows, with the
-- nodes depending on it (or the path leading to it): the node's compare, with the path's as its
-- `path` (absent when the path is the node alone).
function M.toggleNode(id, nodeId)
	local build = api.settled(id) -- paths and dependents are read
	local node = build.spec and build.spec.nodes[nodeId]
	if not node then
		return nil
	end
	local calcFunc, base = calculator(build)
	local path = (node.alloc and node.depends) or node.path or {}
	local pathNodes = {}
	for _, n in pairs(path) do
		pathNodes[n] = true
	end
	local isGranted = build.calcsTab.mainEnv.grantedPassives[node.id]
	local output, pathOutput, header
	if node.alloc then
		output = calcFunc({ removeNodes = { [node] = true } })
		pathOutput = #path > 1 and calcFunc({ removeNodes = pathNodes })
		header = "Unallocating this node will give you:"
	elseif isGranted then
		output = calcFunc({ removeNodes = { [node.id] = true } })
		header = "This node is granted by an item. Removing it will give you:"
	else
		if node.type == "Mastery" and node.allMasteryOptions then
			pathNodes[node] = nil
			output = calcFunc()
		else
			output = calcFunc({ addNodes = { [node] = true } })
		end
		pathOutput = #path > 1 and calcFunc({ addNodes = pathNodes })
		header = "Allocating this node will give you:"
	end
	local result = compare(build, base, output, header)
	if pathOutput and not isGranted and (#node.intuitiveLeapLikesAffecting == 0 or node.alloc) then
		result.path = compare(build, base, pathOutput, node.alloc
			and "Unallocating this node and all nodes depending on it will give you:"
			or "Allocating this node and all nodes leading to it will give you:", #path)
	end
	return result
end

-- Disabling (or enabling) gem `gemIndex` of socket group `groupIndex` (file positions).
function M.toggleGem(id, groupIndex, gemIndex)
	local build = api.get(id)
	local group = fileGroup(build, groupIndex)
	local gem = group and group.gemList[gemIndex]
	if not gem then
		return nil
	end
	local calcFunc, base = calculator(build)
	local was = gem.enabled
	gem.enabled = not was
	build.skillsTab:ProcessSocketGroup(group)
	local ok, output = pcall(calcFunc)
	gem.enabled = was
	build.skillsTab:ProcessSocketGroup(group)
	wipeGlobalCache()
	if not ok then
		error(output, 0)
	end
	return compare(build, base, output, (was and "Disabling" or "Enabling") .. " this gem will give you:")
end

-- The main skill's figures for one socket group, as if it were the main skill.
function M.groupSummary(id, groupIndex)
	local build = api.get(id)
	local _, index = fileGroup(build, groupIndex)
	if not index then
		return nil
	end
	local output
	if index == build.mainSocketGroup then
		output = build.calcsTab.mainOutput
	else
		local saved = build.mainSocketGroup
		build.mainSocketGroup = index
		wipeGlobalCache()
		local ok, env = pcall(build.calcsTab.calcs.buildOutput, build, "CALCULATOR")
		build.mainSocketGroup = saved
		wipeGlobalCache()
		if not ok then
			error(env, 0)
		end
		output = env.player.output
	end
	local keys = { "CombinedDPS", "TotalDPS", "TotalDotDPS", "FullDPS", "AverageHit", "Speed", "ManaCost",
		"LifeCost", "ESCost", "ManaPerSecondCost", "LifePerSecondCost", "CritChance", "HitChance" }
	local res = {}
	for _, k in ipairs(keys) do
		if type(output[k]) == "number" then
			res[k] = output[k]
		end
	end
	return res
end

-- A passive node: its name and stats, and what unallocating (or allocating) it changes.
function M.node(id, nodeId)
	local build = api.get(id)
	local node = build.spec and build.spec.nodes[nodeId]
	if not node then
		return nil
	end
	local stats = {}
	for _, line in ipairs(node.sd or {}) do
		stats[#stats + 1] = line
	end
	return {
		id = nodeId,
		name = node.dn or node.name,
		type = node.type,
		stats = stats,
		allocated = node.alloc and true or false,
		compare = M.toggleNode(id, nodeId),
	}
end

local configOptions
local function options()
	configOptions = configOptions or LoadModule("Modules/ConfigOptions")
	return configOptions
end

local function optionInfo(varData)
	local values
	if varData.list then
		values = {}
		for _, entry in ipairs(varData.list) do
			values[#values + 1] = tostring(entry.val)
		end
	end
	return {
		name = varData.var,
		type = varData.type,
		label = varData.label and StripEscapes(varData.label) or varData.var,
		tooltip = type(varData.tooltip) == "string" and StripEscapes(varData.tooltip) or nil,
		values = values,
	}
end

-- A config option's label, type, tooltip and whether it applies to this build.
function M.config(id, name)
	for _, varData in ipairs(options()) do
		if varData.var == name then
			local info = optionInfo(varData)
			local build = api.get(id)
			local control = build.configTab.varControls[name]
			if control and control.shown ~= nil then
				local shown = control.shown
				if type(shown) == "function" then
					local ok, r = pcall(shown)
					shown = ok and r
				end
				info.applies = shown and true or false
			end
			return info
		end
	end
	return nil
end

-- Names for completion: gems and config options this PoB knows.
function M.catalog()
	local gems = {}
	for _, gem in pairs(data.gems) do
		if gem.name and not gem.name:match("^Unknown") then
			gems[#gems + 1] = gem.name
		end
	end
	table.sort(gems)
	local config = {}
	for _, varData in ipairs(options()) do
		if varData.var then
			config[#config + 1] = optionInfo(varData)
		end
	end
	return { gems = gems, config = config, treeVersions = treeVersionList }
end

-- The stat names a build can save (<PlayerStat>, <MinionStat>): PoB's own display lists, for
-- checking names the user gives (`pob-ls check --fail-on`).
function M.statNames()
	local displayStats, minionDisplayStats, extraSaveStats = LoadModule("Modules/BuildDisplayStats")
	local player, minion, seen = {}, {}, {}
	for _, statData in ipairs(displayStats) do
		local name = statData.stat and statData.stat .. (statData.childStat or "")
		if name and not seen[name] then
			seen[name] = true
			player[#player + 1] = name
		end
	end
	for _, name in ipairs(extraSaveStats or {}) do
		if not seen[name] then
			seen[name] = true
			player[#player + 1] = name
		end
	end
	for _, statData in ipairs(minionDisplayStats) do
		if statData.stat then
			minion[#minion + 1] = statData.stat
		end
	end
	table.sort(player)
	table.sort(minion)
	return { player = player, minion = minion }
end

return M
