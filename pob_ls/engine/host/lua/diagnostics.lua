-- pob-ls host glue: PoB's problems with a build, each tied to the entity that causes it.
--
-- PoB shows most problems as lines in its warnings list or as red labels in a tab, without
-- saying which item, gem or node causes them. Here each one is found at its source, so the
-- language server can place it on the right range of the file. Entities:
--   {kind="build"} {kind="spec"} {kind="item", itemId=} {kind="itemLine", itemId=, line=}
--   {kind="slot", slot=} {kind="group", group=} {kind="gem", group=, gem=} {kind="config", name=}
-- `group` is the 1-based position of the <Skill> element in the active skill set, `gem` the
-- position of the <Gem> inside it.

local cfg, api = ...

local t_insert = table.insert
local m_floor = math.floor

local M = {}

local function push(list, severity, code, message, entity)
	t_insert(list, { severity = severity, code = code, message = message, entity = entity or { kind = "build" } })
end

-- Groups that come from the file (not granted by items or the tree), by their position in it.
local function xmlGroupIndex(build)
	local index = {}
	local n = 0
	for _, group in ipairs(build.skillsTab.socketGroupList) do
		if not group.source then
			n = n + 1
			index[group] = n
		end
	end
	return index
end

local function gemEntity(groupIndex, group, gemInstance)
	local g = groupIndex[group]
	if not g then
		return nil
	end
	for k, gem in ipairs(group.gemList) do
		if gem == gemInstance then
			return { kind = "gem", group = g, gem = k }
		end
	end
	return { kind = "group", group = g }
end

local function requirements(env, out, gemEntities)
	local output = env.player.output
	local modDB = env.player.modDB
	if modDB:Flag(nil, "IgnoreAttributeRequirements") then
		return
	end
	local reqMult = calcLib.mod(modDB, nil, "GlobalAttributeRequirements")
	if modDB:Flag(nil, "OmniscienceRequirements") then
		return -- Omniscience folds all three into one pool; PoB's own warning covers it
	end
	for _, attr in ipairs({ "Str", "Dex", "Int" }) do
		local have = output[attr] or 0
		for _, src in ipairs(env.requirementsTable or {}) do
			local need = src[attr] and m_floor(src[attr] * reqMult) or 0
			if need > have then
				local msg = string.format("%s requirement not met: needs %d, you have %d", attr, need, have)
				if src.source == "Item" and src.sourceItem then
					push(out, "warning", "requirement", msg,
						{ kind = "item", itemId = src.sourceItem.id, slot = src.sourceSlot })
				elseif src.source == "Gem" and src.sourceGem then
					local entity = gemEntities[src.sourceGem]
					push(out, "warning", "requirement", msg .. " (" .. tostring(src.sourceGem.nameSpec) .. ")", entity)
				end
			end
		end
	end
end

local COST_LISTS = {
	{ "LifeCostWarningList", "You do not have enough Life to use %s" },
	{ "ManaCostWarningList", "You do not have enough Mana to use %s" },
	{ "RageCostWarningList", "You do not have enough Rage to use %s" },
	{ "ESCostWarningList", "You do not have enough Energy Shield to use %s" },
	{ "LifePercentCostPercentCostWarningList", "You do not have enough unreserved Life%% to use %s" },
	{ "ManaPercentCostPercentCostWarningList", "You do not have enough unreserved Mana%% to use %s" },
}

local function costs(env, out, groupIndex)
	local output = env.player.output
	for _, entry in ipairs(COST_LISTS) do
		local names = output[entry[1]]
		if type(names) == "table" then
			local wanted = {}
			for _, name in ipairs(names) do
				wanted[name] = true
			end
			local placed = {}
			for _, skill in ipairs(env.player.activeSkillList or {}) do
				local name = skill.activeEffect and skill.activeEffect.grantedEffect and skill.activeEffect.grantedEffect.name
				if name and wanted[name] and skill.socketGroup then
					local entity = gemEntity(groupIndex, skill.socketGroup, skill.activeEffect.srcInstance)
					local key = entity and (entity.group .. ":" .. (entity.gem or 0)) or "build"
					if not placed[key] then
						placed[key] = true
						push(out, "warning", "cost", string.format(entry[2], name), entity)
					end
				end
			end
		end
	end
end

local function itemWarnings(env, out)
	local warnings = env.itemWarnings or {}
	for _, slotName in ipairs(warnings.socketLimitWarning or {}) do
		push(out, "warning", "socket-limit", "You have too many gems in your " .. slotName .. " slot",
			{ kind = "slot", slot = slotName })
	end
	for _, text in ipairs(warnings.jewelLimitWarning or {}) do
		push(out, "warning", "jewel-limit", "You are exceeding jewel limit with the jewel " .. text)
	end
end

local MOD_LINE_LISTS = { "enchantModLines", "scourgeModLines", "implicitModLines", "explicitModLines", "crucibleModLines" }

local function items(build, out)
	for id, item in pairs(build.itemsTab.items) do
		for _, listName in ipairs(MOD_LINE_LISTS) do
			for _, modLine in ipairs(item[listName] or {}) do
				local active = true
				if item.CheckModLineVariant then
					active = item:CheckModLineVariant(modLine)
				end
				if modLine.extra and active then
					push(out, "information", "unsupported-mod", "Not supported in PoB yet: " .. modLine.line,
						{ kind = "itemLine", itemId = id, line = modLine.line })
				end
			end
		end
		if item.jewelData and item.jewelData.limitDisabled then
			push(out, "warning", "jewel-limit", "This jewel is disabled: jewel limit exceeded", { kind = "item", itemId = id })
		end
	end
end

local function gems(build, env, out, groupIndex)
	for group, g in pairs(groupIndex) do
		for k, gem in ipairs(group.gemList) do
			if gem.errMsg then
				push(out, "error", "gem", gem.errMsg, { kind = "gem", group = g, gem = k })
			end
		end
	end
	local mainSkill = env.player.mainSkill
	if mainSkill and mainSkill.skillFlags and mainSkill.skillFlags.disable and mainSkill.socketGroup then
		push(out, "warning", "skill-disabled", "Skill disabled: " .. tostring(mainSkill.disableReason),
			gemEntity(groupIndex, mainSkill.socketGroup, mainSkill.activeEffect and mainSkill.activeEffect.srcInstance))
	end
end

local function config(build, out)
	local tab = build.configTab
	local input = tab.configSets and tab.configSets[tab.activeConfigSetId] and tab.configSets[tab.activeConfigSetId].input or tab.input
	local names = {}
	for name in pairs(input) do
		names[#names + 1] = name
	end
	table.sort(names)
	local legacy = { bandit = true, pantheonMajorGod = true, pantheonMinorGod = true }
	for _, name in ipairs(names) do
		local control = tab.varControls and tab.varControls[name]
		if not control and not legacy[name] then
			push(out, "warning", "config-unknown", "Unknown config option '" .. name .. "'", { kind = "config", name = name })
		elseif control and control.borderFunc then
			local ok, r = pcall(control.borderFunc)
			if ok and r == 0.753 then
				push(out, "information", "config-inactive",
					"Config option '" .. name .. "' is set but does not apply to this build", { kind = "config", name = name })
			end
		end
	end
end

-- Every line of PoB's own warnings list that no specific check above explained.
local function general(build, out)
	local explained = {}
	for _, d in ipairs(out) do
		explained[d.message] = true
	end
	for _, line in ipairs(build.controls.warnings.lines or {}) do
		local text = StripEscapes(line)
		if not explained[text] and not text:match("^You have too many gems in your")
			and not text:match("^You do not have enough") then
			local entity = { kind = "build" }
			if text:match("passive points") or text:match("ascendancy points") then
				entity = { kind = "spec" }
			end
			push(out, "warning", "pob-warning", text, entity)
		end
	end
end

function M.collect(id)
	local build = api.get(id)
	local env = build.calcsTab.mainEnv
	local out = {}
	local groupIndex = xmlGroupIndex(build)
	local gemEntities = {}
	for group, g in pairs(groupIndex) do
		for k, gem in ipairs(group.gemList) do
			gemEntities[gem] = { kind = "gem", group = g, gem = k }
		end
	end
	requirements(env, out, gemEntities)
	costs(env, out, groupIndex)
	itemWarnings(env, out)
	items(build, out)
	gems(build, env, out, groupIndex)
	config(build, out)
	general(build, out)
	return out
end

-- What PoB kept of the file, for the document layer to find what it dropped silently.
function M.facts(id)
	local build = api.get(id)
	local itemIds = {}
	for itemId in pairs(build.itemsTab.items) do
		itemIds[#itemIds + 1] = itemId
	end
	table.sort(itemIds)
	local slots = {}
	for name, slot in pairs(build.itemsTab.slots) do
		if slot.selItemId and slot.selItemId ~= 0 then
			slots[name] = slot.selItemId
		end
	end
	local nodes = {}
	if build.spec then
		for nodeId in pairs(build.spec.allocNodes) do
			if type(nodeId) == "number" then
				nodes[#nodes + 1] = nodeId
			end
		end
		table.sort(nodes)
	end
	return {
		itemIds = itemIds,
		slots = slots,
		allocatedNodes = nodes,
		activeSpec = build.treeTab and build.treeTab.activeSpec,
		treeVersion = build.spec and build.spec.treeVersion,
	}
end

-- Name and stats of passive nodes, for hovers.
function M.nodes(id, nodeIds)
	local build = api.get(id)
	local tree = build.spec and build.spec.tree
	local res = {}
	for _, nodeId in ipairs(nodeIds) do
		local node = build.spec.nodes[nodeId] or (tree and tree.nodes[nodeId])
		if node then
			local stats = {}
			for _, line in ipairs(node.sd or {}) do
				stats[#stats + 1] = line
			end
			res[#res + 1] = {
				id = nodeId,
				name = node.dn or node.name,
				type = node.type,
				stats = stats,
				allocated = build.spec.allocNodes[nodeId] and true or false,
			}
		end
	end
	return res
end

return M
