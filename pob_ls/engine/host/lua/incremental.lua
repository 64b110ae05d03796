-- pob-ls glue: minimal in-place updates of a loaded build object, one per kind of edit.
--
-- Each update mirrors what Build:Init does for that part of the XML (Build.lua,
-- <Tab>:Load), so that update + recalculation equals a full reload of the edited text.
-- Updates never recalculate; `recalc` does, with only the MAIN pass, and the CALCS pass and
-- the what-if calculators are completed lazily the first time anything reads them.
-- Any error means "not handled": the Python side then reloads into a fresh build object.

local cfg, api = ...

local M = {}

local function parse(text)
	return api.parseElement(text, "pob-ls incremental")
end

-- ---------------------------------------------------------------------------
-- Recalculation: MAIN pass now, the rest of CalcsTab:BuildOutput on first use
-- ---------------------------------------------------------------------------

-- Fields CalcsTab:BuildOutput sets besides mainEnv/mainOutput; reading any of them on a
-- build recalculated with the MAIN pass only runs the full BuildOutput first.
local LAZY_FIELDS = { calcsEnv = true, calcsOutput = true, nodeCalculator = true, miscCalculator = true }

local function completeCalcs(calcsTab, class)
	setmetatable(calcsTab, class)
	if calcsTab.build.spec and calcsTab.build.spec.treeVersion then
		data.setJewelRadiiGlobally(calcsTab.build.spec.treeVersion)
	end
	wipeGlobalCache()
	calcsTab:BuildOutput()
end

local function deferCalcs(calcsTab)
	local class = getmetatable(calcsTab)
	if rawget(class, "pobls_lazyCalcs") then
		return -- already deferred; `class` is our proxy metatable
	end
	for key in pairs(LAZY_FIELDS) do
		rawset(calcsTab, key, nil)
	end
	setmetatable(calcsTab, {
		pobls_lazyCalcs = true,
		__index = function(obj, key)
			if LAZY_FIELDS[key] then
				completeCalcs(obj, class)
				return rawget(obj, key)
			end
			return class[key]
		end,
	})
end

local function mainPass(build)
	if build.spec and build.spec.treeVersion then
		data.setJewelRadiiGlobally(build.spec.treeVersion)
	end
	wipeGlobalCache()
	build.outputRevision = (build.outputRevision or 0) + 1
	build.buildFlag = false
	local calcsTab = build.calcsTab
	-- As CalcsTab:BuildOutput does before its passes.
	calcsTab.powerBuildFlag = true
	for _, node in pairs(build.spec.nodes) do
		node.finalModList = node.modList
	end
	calcsTab.mainEnv = calcsTab.calcs.buildOutput(build, "MAIN")
	calcsTab.mainOutput = calcsTab.mainEnv.player.output
	deferCalcs(calcsTab)
	build:RefreshStatList()
end

-- api.recalc's sequence (settling the auto-levelled character level), MAIN pass only.
function M.recalcMain(id)
	local build = api.get(id)
	mainPass(build)
	for _ = 1, 3 do
		build:EstimatePlayerProgress()
		if not build.buildFlag then
			break
		end
		mainPass(build)
	end
end

-- The outputs of the deferred part of BuildOutput changed (e.g. the <Calcs> section).
function M.deferCalcs(id)
	deferCalcs(api.get(id).calcsTab)
end

-- Run the deferred part now (tests and callers that want everything fresh).
function M.completeCalcs(id)
	local calcsTab = api.get(id).calcsTab
	local meta = getmetatable(calcsTab)
	if rawget(meta, "pobls_lazyCalcs") then
		local _ = calcsTab.calcsOutput
	end
end

-- ---------------------------------------------------------------------------
-- <Build>
-- ---------------------------------------------------------------------------

-- One attribute of <Build>, read as Build:Load reads it.
function M.buildAttr(id, name, value)
	local build = api.get(id)
	if name == "level" then
		build.characterLevel = tonumber(value) or 1
		build.configTab:BuildModList() -- the enemy level follows the character level
	elseif name == "mainSocketGroup" then
		build.mainSocketGroup = tonumber(value) or 1
	elseif name == "characterLevelAutoMode" then
		build.characterLevelAutoMode = value == "true"
	elseif name == "viewMode" then
		build.viewMode = value
	else
		error("pob-ls incremental: <Build " .. tostring(name) .. "> is not handled", 0)
	end
end

-- ---------------------------------------------------------------------------
-- Sections loaded whole by their tab
-- ---------------------------------------------------------------------------

function M.config(id, text)
	local build = api.get(id)
	build.configTab:Load(parse(text))
	if next(build.configTab.input) == nil then
		error("pob-ls incremental: empty <Config> (PoB would import old calcs settings)", 0)
	end
end

function M.party(id, text)
	api.get(id).partyTab:Load(parse(text))
end

function M.skills(id, text)
	api.get(id).skillsTab:Load(parse(text))
end

-- Sections that do not change the MAIN pass.
function M.passive(id, elem, text)
	local build = api.get(id)
	local node = parse(text)
	if elem == "Notes" then
		build.notesTab:Load(node)
	elseif elem == "Import" then
		build.importTab:Load(node)
	elseif elem == "TreeView" then
		build.treeTab.viewer:Load(node)
	elseif elem == "Calcs" then
		build.calcsTab:Load(node)
		deferCalcs(build.calcsTab)
	else
		error("pob-ls incremental: <" .. tostring(elem) .. "> is not handled", 0)
	end
end

-- ---------------------------------------------------------------------------
-- <Skills>: one socket group, or one gem of it
-- ---------------------------------------------------------------------------

-- The live socket group for the `rank`-th user <Skill> (one without `source`) of a skill set.
-- initEnv appends and removes only item/tree-granted groups (those with `source`), so the
-- user groups keep their XML order; `userCount` checks the mapping still holds.
local function userGroup(skillsTab, setId, rank, userCount)
	local skillSet = skillsTab.skillSets[setId]
	if not skillSet then
		error("pob-ls incremental: no skill set " .. tostring(setId), 0)
	end
	local found, index, count = nil, nil, 0
	for i, group in ipairs(skillSet.socketGroupList) do
		if not group.source then
			count = count + 1
			if count == rank then
				found, index = group, i
			end
		end
	end
	if count ~= userCount or not found then
		error("pob-ls incremental: socket groups no longer match the XML", 0)
	end
	return skillSet.socketGroupList, index, found
end

-- A socket group built from a <Skill> exactly as SkillsTab:LoadSkill builds it.
local function loadGroup(skillsTab, text)
	local tmpId = "pobls_tmp"
	skillsTab.skillSets[tmpId] = { socketGroupList = {} }
	local ok, err = pcall(skillsTab.LoadSkill, skillsTab, parse(text), tmpId)
	local group = skillsTab.skillSets[tmpId].socketGroupList[1]
	skillsTab.skillSets[tmpId] = nil
	if not ok then
		error(err, 0)
	end
	if not group then
		error("pob-ls incremental: not a <Skill>", 0)
	end
	return group
end

-- Replace the whole group (gemIndex 0) or only its gem `gemIndex` with the new <Skill>'s.
function M.skillGroup(id, setId, rank, userCount, text, gemIndex)
	local build = api.get(id)
	local skillsTab = build.skillsTab
	local list, index, live = userGroup(skillsTab, setId, rank, userCount)
	local fresh = loadGroup(skillsTab, text)
	if gemIndex > 0 then
		if #fresh.gemList ~= #live.gemList or not fresh.gemList[gemIndex] then
			error("pob-ls incremental: gem list changed shape", 0)
		end
		live.gemList[gemIndex] = fresh.gemList[gemIndex]
		skillsTab:ProcessSocketGroup(live)
	else
		list[index] = fresh
		if skillsTab.displayGroup == live then
			skillsTab.displayGroup = fresh
		end
	end
	build.buildFlag = true
end

-- ---------------------------------------------------------------------------
-- <Items>: one item
-- ---------------------------------------------------------------------------

local ALT_VARIANTS = { "variantAlt", "variantAlt2", "variantAlt3", "variantAlt4", "variantAlt5" }
local ALT_FLAGS = { "hasAltVariant", "hasAltVariant2", "hasAltVariant3", "hasAltVariant4", "hasAltVariant5" }

-- An item built from an <Item> exactly as ItemsTab:Load builds it.
local function loadItem(node)
	local item = new("Item", "")
	item.id = tonumber(node.attrib.id)
	item.variant = tonumber(node.attrib.variant)
	for i, attr in ipairs(ALT_VARIANTS) do
		if node.attrib[attr] then
			item[ALT_FLAGS[i]] = true
			item[attr] = tonumber(node.attrib[attr])
		end
	end
	for _, child in ipairs(node) do
		if type(child) == "string" then
			item:ParseRaw(child)
		elseif child.elem == "ModRange" then
			local mid = tonumber(child.attrib.id) or 0
			local range = tonumber(child.attrib.range) or 1
			for _, list in ipairs { item.buffModLines, item.enchantModLines, item.scourgeModLines,
				item.implicitModLines, item.explicitModLines, item.crucibleModLines } do
				if mid <= #list then
					list[mid].range = range
					break
				end
				mid = mid - #list
			end
		end
	end
	return item
end

-- What the passive tree reads of a jewel (BuildAllDependsAndPaths, BuildClusterJewelGraphs):
-- a jewel edit that keeps all of it changes only what the calculation reads of the item.
-- Cluster jewels, whose mods shape their subgraph, have no such key.
local function treeKey(item)
	if item.clusterJewel then
		return nil
	end
	local jewelData = item.jewelData or {}
	local conqueredBy = jewelData.conqueredBy
	local keystones = {}
	for name in pairs(jewelData.impossibleEscapeKeystones or {}) do
		keystones[#keystones + 1] = name
	end
	table.sort(keystones)
	return table.concat({
		tostring(item.jewelRadiusIndex),
		conqueredBy and (tostring(conqueredBy.id) .. " " .. conqueredBy.conqueror.type .. " "
			.. tostring(conqueredBy.conqueror.id)) or "",
		tostring(jewelData.impossibleEscapeKeystone), table.concat(keystones, ","),
		tostring(jewelData.intuitiveLeapLike), tostring(jewelData.intuitiveLeapKeystoneOnly),
		tostring(jewelData.jewelIncEffectFromClassStart),
	}, "|")
end

-- Replace one item by id; equipment must stay as it was (PopulateSlots would otherwise
-- forget the XML's choice, which a later reload would honour).
function M.item(id, text)
	local build = api.get(id)
	local itemsTab = build.itemsTab
	local item = loadItem(parse(text))
	local old = item.id and itemsTab.items[item.id]
	if not old or not item.base then
		error("pob-ls incremental: item is new or its base is unknown", 0)
	end
	local key = treeKey(old)
	if not key or key ~= treeKey(item) then
		error("pob-ls incremental: the edit changes what the passive tree reads of the jewel", 0)
	end
	local before = {}
	for name, slot in pairs(itemsTab.slots) do
		before[name] = slot.selItemId
	end
	itemsTab:AddItem(item, true)
	itemsTab:PopulateSlots()
	for name, slot in pairs(itemsTab.slots) do
		if slot.selItemId ~= before[name] then
			error("pob-ls incremental: the item no longer fits its slot", 0)
		end
	end
	build.buildFlag = true
end

return M
