-- pob-ls glue: minimal in-place updates of a loaded build object, one per kind of edit.
--
-- Each update mirrors what Build:Init does for that part of the XML (Build.lua,
-- <Tab>:Load), so that update + recalculation equals a full reload of the edited text.
-- Updates never recalculate; `recalc` does, with only the MAIN pass, and the CALCS pass and
-- the what-if calculators are completed lazily the first time anything reads them.
-- Any error means "not handled": the Python side then reloads into a fresh build object.

local cfg, api = ...

local t_insert = table.insert

local M = {}

local function parse(text)
	local nodes, err = common.xml.ParseXML(text)
	if err or type(nodes) ~= "table" or type(nodes[1]) ~= "table" then
		error("pob-ls incremental: cannot parse a section: " .. tostring(err), 0)
	end
	return nodes[1]
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

local function isJewelish(item)
	return item and (item.type == "Jewel" or item.clusterJewel or item.baseName == "Timeless Jewel"
		or item.jewelData ~= nil and next(item.jewelData) ~= nil)
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
	if isJewelish(old) or isJewelish(item) then
		error("pob-ls incremental: jewels are reloaded", 0)
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

-- ---------------------------------------------------------------------------
-- <Tree>: allocated nodes of the active spec
-- ---------------------------------------------------------------------------

local function specAttrs(node)
	local hashList = {}
	for hash in (node.attrib.nodes or ""):gmatch("%d+") do
		t_insert(hashList, tonumber(hash))
	end
	local masteryEffects = {}
	for mastery, effect in (node.attrib.masteryEffects or ""):gmatch("{(%d+),(%d+)}") do
		masteryEffects[tonumber(mastery)] = tonumber(effect)
	end
	return hashList, masteryEffects
end

-- Node ids of the spec's cluster jewel subgraphs (not in a fresh spec's node table: a fresh
-- spec's import leaves them to BuildClusterJewelGraphs).
local function clusterNodeIds(spec)
	local ids = {}
	for _, subGraph in pairs(spec.subGraphs) do
		for _, n in ipairs(subGraph.nodes) do
			if n.id then
				ids[n.id] = true
			end
		end
	end
	return ids
end

-- allocExtendedNodes as a fresh spec's BuildClusterJewelGraphs leaves it: the listed cluster
-- nodes, once each, in list order (whether or not PoB then prunes them).
local function setExtendedNodes(spec, hashList, cluster)
	wipeTable(spec.allocExtendedNodes)
	local seen = {}
	for _, id in ipairs(hashList) do
		if cluster[id] and not seen[id] then
			seen[id] = true
			t_insert(spec.allocExtendedNodes, id)
		end
	end
end

-- Node ids of a fresh spec's node table in `pairs` order (PassiveSpec:Init fills it from the
-- tree's nodes; cluster subgraph nodes come later), per tree.
local initOrders = setmetatable({}, { __mode = "k" })
local function initOrder(tree)
	local order = initOrders[tree]
	if not order then
		local nodes = {}
		for _, treeNode in pairs(tree.nodes) do
			if treeNode.group and not treeNode.isProxy and not treeNode.group.isProxy
				and (not treeNode.expansionJewel or not treeNode.expansionJewel.parent) then
				nodes[treeNode.id] = treeNode
			end
		end
		order = {}
		for id, treeNode in pairs(nodes) do
			t_insert(order, { id, treeNode.type })
		end
		initOrders[tree] = order
	end
	return order
end

-- A fresh spec's allocNodes table, by the same writes in the same order (in LuaJIT, assigning
-- nil to an absent key also takes a slot, so these writes matter too), and so with the same
-- `pairs` order, which decides BuildAllDependsAndPaths' ties (which of two equally short
-- paths, which node collects the dependents, Intuitive Leap-like pruning). `plan` holds:
--   starts, baseStart: SelectClass / SelectAscendClass(0) / SelectAscendClass / the secondary;
--   order: the listed main tree nodes ImportFromNodeList allocates;
--   unselected: masteries whose selection pass A drops (not allocated, or no known effect);
-- then `dropped` (pass A's removals), then `late` (BuildClusterJewelGraphs' allocations).
local function freshAllocNodes(spec, plan, dropped, late)
	local nodes, alloc = spec.nodes, {}
	for _, entry in ipairs(initOrder(spec.tree)) do -- ResetNodes
		if entry[2] ~= "ClassStart" and entry[2] ~= "AscendClassStart" then
			alloc[entry[1]] = nil
		end
	end
	alloc[plan.starts[1]] = nodes[plan.starts[1]]
	if plan.baseStart then
		alloc[plan.baseStart] = nodes[plan.baseStart]
		alloc[plan.baseStart] = nil
	end
	for i = 2, #plan.starts do
		alloc[plan.starts[i]] = nodes[plan.starts[i]]
	end
	for _, id in ipairs(plan.order) do
		alloc[id] = nodes[id]
	end
	for _, entry in ipairs(initOrder(spec.tree)) do -- pass A's mastery loop
		if plan.unselected[entry[1]] then
			alloc[entry[1]] = nil
		end
	end
	for id in pairs(dropped) do
		alloc[id] = nil
	end
	for _, id in ipairs(late) do
		if not alloc[id] then
			alloc[id] = nodes[id]
		end
	end
	return alloc
end

-- The spec's allocation set to exactly that table's nodes; returns a copy of its key set
-- (BuildAllDependsAndPaths removes from allocNodes).
local function setAllocation(spec, alloc, selections)
	for id, n in pairs(spec.nodes) do
		local on = alloc[id] ~= nil
		if (n.alloc == true) ~= on then
			n.alloc = on
			if not on and n.type == "Mastery" then
				spec:AddMasteryEffectOptionsToNode(n) -- as DeallocSingleNode
			end
		end
	end
	spec.allocNodes = alloc
	wipeTable(spec.masterySelections)
	for mastery, effect in pairs(selections) do
		spec.masterySelections[mastery] = effect
	end
	local set = {}
	for id in pairs(alloc) do
		set[id] = true
	end
	return set
end

-- The allocation a fresh spec ends with, with one BuildAllDependsAndPaths (three when PoB
-- prunes unconnected nodes) instead of the whole import (ImportFromNodeList: ResetNodes,
-- SelectClass, SelectAscendClass, SelectSecondaryAscendClass, each with a pass, and its own
-- pass A; PostLoad: every cluster jewel subgraph rebuilt and pass B). Same class,
-- ascendancies, jewels, overrides and tree version as loaded (the Python side checks the rest
-- of the <Spec>), so the subgraphs a reload would build are the ones the spec has; the passes
-- before pass A only see start nodes. We build pass B's input (freshAllocNodes) and run it;
-- when it removes something, pass A's removals must be known first, so we run pass A on its
-- own input and then pass B. Returns false (before changing anything) or nil (after) and why,
-- when this cannot be shown to equal the import.
local function allocateNodes(spec, node, hashList, masteryEffects)
	local attr = node.attrib
	if tonumber(attr.classId) ~= spec.curClassId or tonumber(attr.ascendClassId) ~= spec.curAscendClassId
		or tonumber(attr.secondaryAscendClassId or 0) ~= (spec.curSecondaryAscendClassId or 0)
		or (attr.treeVersion and attr.treeVersion ~= spec.treeVersion)
		or next(spec.ignoredNodes) ~= nil or #spec.allocSubgraphNodes > 0 or spec.jewel_data ~= nil then
		return false, "class, version, pending or imported nodes differ"
	end
	for id in pairs(spec.allocNodes) do
		if not spec.nodes[id] then
			return false, "an allocation the node table no longer has"
		end
	end
	local plan = { starts = {}, order = {}, unselected = {} }
	local base = spec.curClass.classes and spec.curClass.classes[0]
	plan.baseStart = base and base.startNodeId
	for _, class in ipairs { spec.curClass, spec.curAscendClass or false, spec.curSecondaryAscendClass or false } do
		local startId = class and class.startNodeId
		if startId then
			t_insert(plan.starts, startId)
		end
	end
	for _, id in ipairs(plan.starts) do
		if not spec.nodes[id] then
			return false, "no start node"
		end
	end
	if plan.baseStart and not spec.nodes[plan.baseStart] then
		return false, "no start node"
	end
	local selections = {}
	for mastery, effect in pairs(masteryEffects) do
		if effect < 65536 then -- GGG codes are ignored
			selections[mastery] = effect
		end
	end
	local cluster = clusterNodeIds(spec)
	local late, listed = {}, {}
	for _, id in ipairs(hashList) do
		local n = spec.nodes[id]
		if cluster[id] then
			t_insert(late, id)
		elseif n and (n.type ~= "Mastery" or selections[id]) then
			t_insert(plan.order, id)
			listed[id] = true
		end
	end
	-- Pass A's mastery loop drops the selections of masteries not allocated or with no known effect.
	local kept = {}
	for mastery, effect in pairs(selections) do
		if listed[mastery] and spec.tree.masteryEffects[effect] then
			kept[mastery] = effect
		else
			plan.unselected[mastery] = true
		end
	end
	setExtendedNodes(spec, hashList, cluster)

	local dropped = {}
	local want = setAllocation(spec, freshAllocNodes(spec, plan, dropped, late), kept)
	spec:BuildAllDependsAndPaths()
	local removed = false
	for id in pairs(spec.allocNodes) do
		if not want[id] then
			return nil, "allocated beyond the list"
		end
	end
	for id in pairs(want) do
		if not spec.allocNodes[id] then
			removed = true
			break
		end
	end
	if not removed then
		-- Pass A would remove nothing either (cluster nodes only add dead ends to the graph it
		-- searches): this was pass B.
		return true
	end
	if #late > 0 then -- pass A itself
		setAllocation(spec, freshAllocNodes(spec, plan, dropped, {}), kept)
		spec:BuildAllDependsAndPaths()
	end
	for _, id in ipairs(plan.order) do
		if not spec.allocNodes[id] then
			dropped[id] = true
		end
	end
	local selected = {}
	for mastery, effect in pairs(spec.masterySelections) do
		selected[mastery] = effect
	end
	local input = setAllocation(spec, freshAllocNodes(spec, plan, dropped, late), selected)
	spec:BuildAllDependsAndPaths()
	for id in pairs(spec.allocNodes) do
		if not input[id] then
			return nil, "allocated beyond the list"
		end
	end
	return true
end

-- The active <Spec>'s nodes (and mastery effects) changed; version, class, sockets and
-- overrides are unchanged. Anything the fast path cannot show equal is left to a full reload
-- (re-running ImportFromNodeList + BuildClusterJewelGraphs on the live spec is not equal to
-- one: its last pass sees cluster nodes already pruned, so e.g. the allocated notable count
-- behind Multiplier:AllocatedNotable differs, and paths follow a different `pairs` order).
function M.specNodes(id, specIndex, text)
	local build = api.get(id)
	local spec = build.treeTab.specList[specIndex]
	if not spec or spec ~= build.spec then
		error("pob-ls incremental: not the active spec", 0)
	end
	local node = parse(text)
	local hashList, masteryEffects = specAttrs(node)
	build.buildFlag = true
	local ok, why = allocateNodes(spec, node, hashList, masteryEffects)
	if not ok then
		error("pob-ls incremental: tree: " .. tostring(why), 0)
	end
	build.treeTab.viewer.searchStrCached = "" -- as BuildClusterJewelGraphs
	return "tree-alloc"
end

return M
