-- pob-ls glue: a passive tree edit (the active <Spec>'s nodes and mastery effects) applied in
-- place, equal to a fresh import of the edited <Spec>.
--
-- The import's own passes (PoB's BuildAllDependsAndPaths) decide what is allocated. We run them
-- restricted to the nodes whose state the MAIN pass reads (kind "tree-alloc"), usually one pass
-- where the import runs up to three, and leave the GUI-only state (paths, dependents) to
-- `build.pobls_settle`, which api.settled runs before anything reads it (what-ifs). When the
-- restricted passes fail, they run over the whole tree ("tree-alloc-full"). Anything else is an
-- error: the Python side then reloads the document.

local cfg, api = ...

local t_insert = table.insert

local M = {}

local function parse(text)
	return api.parseElement(text, "pob-ls tree")
end

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

-- ---------------------------------------------------------------------------
-- Restricted passes
-- ---------------------------------------------------------------------------

local function isStart(n)
	return n.type == "ClassStart" or n.type == "AscendClassStart"
end

-- Socketed jewels whose effect on the tree depends on the allocation. Intuitive-leap-like ones
-- (Intuitive Leap, Thread of Hope, Impossible Escape with its keystone's radius) hold nodes in
-- their radius allocated while unconnected: returns, per socket, the nodes BuildAllDependsAndPaths'
-- pruning test finds held (its NodeInKeystoneRadius read once), and all nodes its first loop
-- marks as affected. Timeless ones conquer the nodes in their radius while their socket is
-- allocated: returns each as { socket = id, radius = nodes, by = jewelData.conqueredBy }.
local function allocationJewels(spec)
	local held, leapRadius, conquests = {}, {}, {}
	for socketId, itemId in pairs(spec.jewels) do
		local item = itemId ~= 0 and spec.build.itemsTab.items[itemId]
		local jewelData, radiusIndex = item and item.jewelData, item and item.jewelRadiusIndex
		local socket = spec.nodes[socketId]
		local radius = jewelData and radiusIndex and socket and socket.nodesInRadius
			and socket.nodesInRadius[radiusIndex]
		local holds = {}
		if radius and jewelData.intuitiveLeapLike then
			for id in pairs(radius) do
				holds[id], leapRadius[id] = true, true
			end
		end
		local keystones = jewelData and radiusIndex and jewelData.impossibleEscapeKeystones
		if keystones and next(keystones) then
			for name in pairs(keystones) do
				local keystone = spec.tree.keystoneMap[name]
				for id in pairs(keystone and keystone.nodesInRadius and keystone.nodesInRadius[radiusIndex] or {}) do
					leapRadius[id] = true
				end
			end
			for _, n in pairs(spec.nodes) do -- as NodeInKeystoneRadius
				if n.name and n.type == "Keystone" and keystones[n.name:lower()] then
					for id in pairs(n.nodesInRadius[radiusIndex]) do
						holds[id], leapRadius[id] = true, true
					end
				end
			end
		end
		if next(holds) then
			held[socketId] = holds
		end
		if radius and jewelData.conqueredBy then
			t_insert(conquests, { socket = socketId, radius = radius, by = jewelData.conqueredBy })
		end
	end
	return held, leapRadius, conquests
end

-- Does a pass on `input` change which nodes the timeless jewel conquers? Its last pass conquered
-- them if any node in its radius carries its conquest.
local function conquestChanges(spec, conquest, input)
	local conquered = false
	for id in pairs(conquest.radius) do
		local n = spec.nodes[id]
		if n and n.conqueredBy == conquest.by then
			conquered = true
			break
		end
	end
	return conquered ~= (input[conquest.socket] == true)
end

-- BuildAllDependsAndPaths' own test before it prunes an unconnected node: does a jewel in an
-- allocated socket hold it?
local function heldByJewel(held, id, allocated)
	for socketId, holds in pairs(held) do
		if allocated[socketId] and holds[id] then
			return true
		end
	end
	return false
end

-- Which nodes of the allocation `set` BuildAllDependsAndPaths finds connected. FindStartFromNode
-- walks allocated nodes to a start node and never onward from a mastery, so a node reaches a
-- start (`reach`) when a neighbour is one, or it is not a mastery and a neighbour reaches one;
-- a node stays (`connected`) when it is a start, or a neighbour is a start or reaches one. Nil
-- when the set joins ascendancy and main tree nodes: FindStartFromNode's own rule for those
-- then applies, which the full passes run.
local function connectivity(spec, set)
	local nodes = spec.nodes
	local reach, queue, from = {}, {}, {}
	for id in pairs(set) do
		local n = nodes[id]
		for _, other in ipairs(n.linked) do
			if set[other.id] then
				if (n.ascendancyName == nil) ~= (other.ascendancyName == nil)
					and not (isStart(n) and isStart(other)) then
					return nil
				end
				if isStart(other) then
					if not reach[id] then
						reach[id] = true
						t_insert(queue, id)
					end
				elseif n.type ~= "Mastery" then
					from[other.id] = from[other.id] or {}
					t_insert(from[other.id], id) -- n reaches a start when `other` does
				end
			end
		end
	end
	local i = 1
	while queue[i] do
		for _, id in ipairs(from[queue[i]] or {}) do
			if not reach[id] then
				reach[id] = true
				t_insert(queue, id)
			end
		end
		i = i + 1
	end
	local connected = {}
	for id in pairs(set) do
		local n = nodes[id]
		connected[id] = isStart(n) or nil
		for _, other in ipairs(n.linked) do
			if not connected[id] and set[other.id] and (isStart(other) or reach[other.id]) then
				connected[id] = true
			end
		end
	end
	return reach, connected
end

local function noop() end

-- PoB's BuildAllDependsAndPaths over `subset` of the spec's nodes (the allocated ones, every
-- jewel socket, the radius of intuitive-leap-like jewels, of timeless jewels whose conquest the
-- pass changes, and the keystones, whose radius NodeInKeystoneRadius looks up in the spec's nodes:
-- each node whose state the MAIN pass reads and the pass can change),
-- without its GUI-only parts: the paths to each node (BuildPathFromNode),
-- the Split Personality path, and the searches from nodes `reach` shows connected (those only
-- decide who lists whom as a dependent). Returns false if PoB's code failed.
local function restrictedPass(spec, subset, reach)
	local class = getmetatable(spec)
	local full = spec.nodes
	local function findStart(self, node, visited, noAscend)
		if reach[node.id] and not noAscend then
			node.visited = true -- as FindStartFromNode leaves a search that found a start
			t_insert(visited, node)
			return true
		end
		return class.FindStartFromNode(self, node, visited, noAscend)
	end
	rawset(spec, "nodes", subset)
	rawset(spec, "BuildPathFromNode", noop)
	rawset(spec, "BuildSplitPersonalityPath", noop)
	rawset(spec, "FindStartFromNode", findStart)
	local ok = pcall(class.BuildAllDependsAndPaths, spec)
	rawset(spec, "nodes", full)
	rawset(spec, "BuildPathFromNode", nil)
	rawset(spec, "BuildSplitPersonalityPath", nil)
	rawset(spec, "FindStartFromNode", nil)
	if not ok then
		for _, n in pairs(full) do
			n.visited = false -- the full passes' searches skip visited nodes
		end
	end
	return ok
end

-- How a pass runs: PoB's BuildAllDependsAndPaths over the whole tree, or restricted (above) to
-- the nodes the MAIN pass reads. Either returns false when PoB's code failed.
local function fullRunner(spec)
	return function()
		spec:BuildAllDependsAndPaths()
		return true
	end
end

local function restrictedRunner(spec, leapRadius, conquests)
	return function(input, reach)
		local extra = {}
		for _, conquest in ipairs(conquests) do
			if conquestChanges(spec, conquest, input) then
				for id in pairs(conquest.radius) do
					extra[id] = true
				end
			end
		end
		local subset = {}
		for id, n in pairs(spec.nodes) do
			if input[id] or leapRadius[id] or extra[id] or n.isJewelSocket or n.expansionJewel
				or n.type == "Keystone" then
				subset[id] = n
			end
		end
		return restrictedPass(spec, subset, reach or connectivity(spec, input) or {})
	end
end

-- PoB's own passes, as a fresh import runs them: pass B's input (freshAllocNodes) first; when it
-- prunes something, pass A's removals must be known first, so pass A on its own input and then
-- pass B. Returns true and the last pass's input (its dropped nodes and mastery selections),
-- or nil and why.
local function importPasses(spec, plan, kept, late, run)
	local dropped = {}
	local want = setAllocation(spec, freshAllocNodes(spec, plan, dropped, late), kept)
	if not run(want) then
		return nil, "PoB's code failed"
	end
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
		return true, dropped, kept
	end
	if #late > 0 then -- pass A itself
		local input = setAllocation(spec, freshAllocNodes(spec, plan, dropped, {}), kept)
		if not run(input) then
			return nil, "PoB's code failed"
		end
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
	if not run(input) then
		return nil, "PoB's code failed"
	end
	for id in pairs(spec.allocNodes) do
		if not input[id] then
			return nil, "allocated beyond the list"
		end
	end
	return true, dropped, selected
end

-- One restricted pass instead of importPasses' one to three, when their pruning can be
-- predicted with `connectivity` (pass A's removals are main tree nodes; pass B's are cluster
-- nodes, which hang off sockets and so never connect main tree nodes; nodes an
-- intuitive-leap-like jewel holds stay unconnected): the input of the last pass is built from the
-- prediction, and PoB, run on it, must prune exactly the predicted cluster nodes. Returns true
-- and that input as importPasses does, or nil and why.
local function predictedPass(spec, plan, kept, late, held, run)
	local all = {}
	for id in pairs(freshAllocNodes(spec, plan, {}, late)) do
		all[id] = true
	end
	local reach, connected = connectivity(spec, all)
	if not reach then
		return nil, "ascendancy and main tree nodes joined"
	end
	for socketId in pairs(held) do
		if all[socketId] and not connected[socketId] then
			-- which nodes it holds then depends on when PoB prunes it
			return nil, "an intuitive-leap-like jewel's socket is unconnected"
		end
	end
	local stays = {}
	for id in pairs(all) do
		stays[id] = connected[id] or heldByJewel(held, id, all) or nil
	end
	local dropped, lateRemoved = {}, {}
	for _, id in ipairs(plan.order) do -- in the order importPasses lists pass A's removals
		if not stays[id] then
			dropped[id] = true
		end
	end
	for _, id in ipairs(late) do
		lateRemoved[id] = not stays[id] or nil
	end
	local selected = {}
	for mastery, effect in pairs(kept) do
		if not dropped[mastery] then -- DeallocSingleNode forgets a pruned mastery's effect
			selected[mastery] = effect
		end
	end
	local input = setAllocation(spec, freshAllocNodes(spec, plan, dropped, late), selected)
	if not run(input, reach) then
		return nil, "PoB's code failed"
	end
	for id in pairs(input) do
		if (spec.allocNodes[id] == nil) ~= (lateRemoved[id] == true) then
			return nil, "PoB pruned other nodes than predicted"
		end
	end
	return true, dropped, selected
end

-- The allocation a fresh spec ends with, with one BuildAllDependsAndPaths (three when PoB
-- prunes unconnected nodes) instead of the whole import (ImportFromNodeList: ResetNodes,
-- SelectClass, SelectAscendClass, SelectSecondaryAscendClass, each with a pass, and its own
-- pass A; PostLoad: every cluster jewel subgraph rebuilt and pass B). Same class,
-- ascendancies, jewels, overrides and tree version as loaded (the Python side checks the rest
-- of the <Spec>), so the subgraphs a reload would build are the ones the spec has; the passes
-- before pass A only see start nodes. We run pass B (importPasses), or its last pass alone
-- (predictedPass), restricted to the nodes the MAIN pass reads, with the rest left to a settle
-- function; over the whole tree when the restricted passes fail. Returns false (before changing
-- anything) or nil (after) and why, when this cannot be shown to equal the import; else true,
-- the kind taken, and the settle function of the restricted passes.
local function allocateNodes(spec, node, hashList, masteryEffects)
	local attr = node.attrib
	if tonumber(attr.classId) ~= spec.curClassId or tonumber(attr.ascendClassId) ~= spec.curAscendClassId
		or (tonumber(attr.secondaryAscendClassId) or 0) ~= (spec.curSecondaryAscendClassId or 0)
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

	local held, leapRadius, conquests = allocationJewels(spec)
	local restricted = restrictedRunner(spec, leapRadius, conquests)
	local ok, dropped, selected = predictedPass(spec, plan, kept, late, held, restricted)
	if not ok then
		ok, dropped, selected = importPasses(spec, plan, kept, late, restricted)
	end
	if ok then
		-- The GUI-only state, as the last pass over the whole tree leaves it.
		return true, "tree-alloc", function()
			setAllocation(spec, freshAllocNodes(spec, plan, dropped, late), selected)
			spec:BuildAllDependsAndPaths()
		end
	end
	ok, dropped = importPasses(spec, plan, kept, late, fullRunner(spec))
	if not ok then
		return nil, dropped
	end
	return true, "tree-alloc-full"
end

-- Run `fn` with jewels as an import's passes see them: those run before any calculation, so
-- before CalcSetup marks jewels over their limit (jewelData.limitDisabled, which
-- BuildAllDependsAndPaths reads).
local function asImported(spec, fn, ...)
	local marked = {}
	for _, itemId in pairs(spec.jewels) do
		local item = spec.build.itemsTab.items[itemId]
		if item and item.jewelData and item.jewelData.limitDisabled then
			marked[item] = true
			item.jewelData.limitDisabled = nil
		end
	end
	local ok, a, b, c = pcall(fn, ...)
	for item in pairs(marked) do
		item.jewelData.limitDisabled = true
	end
	if not ok then
		error(a, 0)
	end
	return a, b, c
end

-- The active <Spec>'s nodes (and mastery effects) changed; version, class, sockets and
-- overrides are unchanged. Anything neither way can show equal is left to a full reload
-- (re-running ImportFromNodeList + BuildClusterJewelGraphs on the live spec is not equal to
-- one: its last pass sees cluster nodes already pruned, so e.g. the allocated notable count
-- behind Multiplier:AllocatedNotable differs, and paths follow a different `pairs` order).
function M.specNodes(id, specIndex, text)
	local build = api.get(id)
	local spec = build.treeTab.specList[specIndex]
	if not spec or spec ~= build.spec then
		error("pob-ls tree: not the active spec", 0)
	end
	local node = parse(text)
	local hashList, masteryEffects = specAttrs(node)
	build.buildFlag = true
	build.pobls_settle = nil -- this edit recomputes everything a pending settle would
	local ok, kind, settle = asImported(spec, allocateNodes, spec, node, hashList, masteryEffects)
	if not ok then
		error("pob-ls tree: " .. tostring(kind), 0)
	end
	build.pobls_settle = settle and function()
		asImported(spec, settle)
	end
	build.treeTab.viewer.searchStrCached = "" -- as BuildClusterJewelGraphs
	return kind
end

-- An inactive <Spec> changed: it is loaded afresh, as TreeTab:Load and PostLoad load it. Nothing
-- the calculation reads changes (only the active spec is calculated).
function M.specReplace(id, specIndex, text)
	local build = api.get(id)
	local treeTab = build.treeTab
	local old = treeTab.specList[specIndex]
	if not old or old == build.spec then
		error("pob-ls tree: not an inactive spec", 0)
	end
	local node = parse(text)
	local version = node.attrib.treeVersion
	if version and not treeVersions[version] then
		error("pob-ls tree: unknown tree version " .. tostring(version), 0)
	end
	local spec = new("PassiveSpec", build, version or defaultTreeVersion)
	spec:Load(node, build.dbFileName)
	spec:PostLoad()
	treeTab.specList[specIndex] = spec
	return "tree-spec"
end

return M
