-- pob-ls host glue, part 4: make PoB's results independent of LuaJIT's per-state hash seed.
--
-- LuaJIT seeds string hashing per state, so `pairs` order differs between processes. Where
-- PoB builds a lookup from `pairs` order and several keys collide, the winner changes from
-- process to process. Each such source is found at run time (feature detection, no PoB file
-- is edited) and rebuilt in a fixed order. Returns a table: source name -> entries rewritten
-- (gemIdLookup, gemVariants) or 1 for an iteration order pinned (buffOrder, statOrder); a
-- source missing from the table was not found in this PoB version and is left alone.
-- tests/engine/test_determinism.py loads every shared build in several processes.

local cfg = ...
local pinned = {}

-- Find a table upvalue by name, searching the closures reachable from `func`.
local function findUpvalue(func, wanted, seen)
	seen = seen or {}
	if type(func) ~= "function" or seen[func] then
		return nil
	end
	seen[func] = true
	local i = 1
	while true do
		local name, value = debug.getupvalue(func, i)
		if not name then
			break
		end
		if name == wanted and type(value) == "table" then
			return value
		end
		if type(value) == "function" then
			local found = findUpvalue(value, wanted, seen)
			if found then
				return found
			end
		elseif type(value) == "table" and not seen[value] then
			-- Parser tables hold closures (e.g. ModParser's specialModList).
			seen[value] = true
			for _, v in pairs(value) do
				if type(v) == "function" then
					local found = findUpvalue(v, wanted, seen)
					if found then
						return found
					end
				end
			end
		end
		i = i + 1
	end
	return nil
end

-- ModParser's display-name -> skill id table. PoB 2.63 fills it in sorted id order (the
-- last id wins); older versions used `pairs` order. Rebuild it the 2.63 way everywhere.
local function pinGemIdLookup()
	local lookup = findUpvalue(modLib.parseMod, "gemIdLookup")
	if not lookup then
		return nil
	end
	local ids = {}
	for id in pairs(data.skills) do
		ids[#ids + 1] = id
	end
	table.sort(ids)
	local fixed = {}
	for _, id in ipairs(ids) do
		local effect = data.skills[id]
		if effect.name and (not effect.hidden or effect.fromItem or effect.fromTree) then
			fixed[effect.name:lower()] = effect.id
		end
	end
	local changed = 0
	for name, id in pairs(fixed) do
		if lookup[name] ~= nil and lookup[name] ~= id then
			lookup[name] = id
			changed = changed + 1
		end
	end
	return changed
end

-- SkillsTab:Load, for a gem saved without `variantId` (files saved before PoB knew 3.23's
-- transfigured gems), picks the first variant of `data.gemsByGameId[gemId]` in `pairs` order
-- whose grantedEffectId equals the saved skillId (SkillsTab.lua:331 in 2.63.0). Data.lua adds
-- "Vaal <skill> of <transfiguration>" variants that copy the base Vaal gem's grantedEffectId,
-- so "Vaal Righteous Fire" loaded as "Vaal Righteous Fire of Arcane Devotion" in some
-- processes. Choice: the base variant (its variantId is its grantedEffectId), the only one
-- that existed when such a file was saved. The other variants stay reachable by variantId
-- (newer files name them) through __index, so `pairs` sees exactly one per effect id.
local function pinGemVariants()
	if type(data.gemsByGameId) ~= "table" then
		return nil
	end
	local hidden = 0
	for _, variants in pairs(data.gemsByGameId) do
		local byEffect = {}
		for variantId, gem in pairs(variants) do
			local effectId = type(gem) == "table" and gem.grantedEffectId
			if type(variantId) == "string" and type(effectId) == "string" then
				byEffect[effectId] = byEffect[effectId] or {}
				byEffect[effectId][#byEffect[effectId] + 1] = variantId
			end
		end
		local others
		for effectId, ids in pairs(byEffect) do
			if #ids > 1 then
				table.sort(ids, function(a, b)
					if (a == effectId) ~= (b == effectId) then
						return a == effectId
					end
					if #a ~= #b then
						return #a < #b
					end
					return a < b
				end)
				others = others or {}
				for i = 2, #ids do
					others[ids[i]] = variants[ids[i]]
					variants[ids[i]] = nil
					hidden = hidden + 1
				end
			end
		end
		if others then
			if getmetatable(variants) ~= nil then
				-- Unknown shape: put the variants back rather than guess.
				for id, gem in pairs(others) do
					variants[id] = gem
					hidden = hidden - 1
				end
			else
				setmetatable(variants, { __index = others })
			end
		end
	end
	return hidden
end

-- Two more sources sit in the calc modules, which every build loads afresh (CalcsTab loads
-- Modules/Calcs, which loads the Calc* chunks). Each chunk keeps `local pairs = pairs`; we
-- give that local (never the global `pairs`) an iterator that follows a fixed key order for
-- the few tables registered below, and returns the plain `next` for every other table.
--
-- 1. CalcPerform merges each buff into a table keyed by buff name (`mergeBuff`) and walks
--    those tables with `pairs`. Only one non-Vaal guard may apply, and the one met first
--    wins (CalcPerform.lua:3119 in 2.63.0): Immortal Call or Molten Shell, Armour 861 or
--    1701, by hash order. Choice: the first guard in the skill list (socket-group order),
--    the rule PoB uses to fill curse slots. The same first-merged order also fixes the order
--    in which buff/debuff lists reach the mod database (CalcPerform.lua:3142-3160).
-- 2. CalcActiveSkill adds a skill's stat mods in `pairs` order of its stat table
--    (CalcActiveSkill.lua:61), so the order of float terms in ModDB sums changes: e.g.
--    Righteous Fire's two FireDegen mods gave 918.7664639999999 or ...998. Choice: stat
--    names in sorted order (any fixed order is as good; PoB has no intended one).
local keyOrder = setmetatable({}, { __mode = "k" })
local SORTED = { seen = {} }

local function recordKey(t, key)
	local order = keyOrder[t]
	if order == SORTED then
		return
	elseif not order then
		order = { seen = {} }
		keyOrder[t] = order
	end
	if not order.seen[key] then
		order.seen[key] = true
		order[#order + 1] = key
	end
end

local function keyLess(a, b)
	local ta, tb = type(a), type(b)
	if ta ~= tb then
		return ta < tb
	end
	if ta == "string" or ta == "number" then
		return a < b
	end
	return tostring(a) < tostring(b)
end

local function orderedKeys(t, order)
	local keys = {}
	for i = 1, #order do
		if rawget(t, order[i]) ~= nil then
			keys[#keys + 1] = order[i]
		end
	end
	-- Keys set without a recorded order (e.g. buffs.Spectre) follow, sorted.
	local extra = {}
	for k in next, t do
		if not order.seen[k] then
			extra[#extra + 1] = k
		end
	end
	if #extra > 1 then
		table.sort(extra, keyLess)
	end
	for i = 1, #extra do
		keys[#keys + 1] = extra[i]
	end
	return keys
end

local function orderedPairs(t)
	local order = keyOrder[t]
	if not order then
		return next, t, nil
	end
	local keys = orderedKeys(t, order)
	local i = 0
	return function()
		while true do
			i = i + 1
			local k = keys[i]
			if k == nil then
				return nil
			end
			local v = rawget(t, k)
			if v ~= nil then
				return k, v
			end
		end
	end
end

local function upvalueIndex(func, wanted)
	local i = 1
	while true do
		local name = debug.getupvalue(func, i)
		if not name then
			return nil
		end
		if name == wanted then
			return i
		end
		i = i + 1
	end
end

-- Point a chunk's `local pairs` (shared by all its functions) at orderedPairs.
local function orderChunkPairs(func)
	local idx = type(func) == "function" and upvalueIndex(func, "pairs")
	if not idx then
		return false
	end
	local _, current = debug.getupvalue(func, idx)
	if current ~= pairs and current ~= orderedPairs then
		return false
	end
	debug.setupvalue(func, idx, orderedPairs)
	return true
end

local function patchCalcPerform(calcs)
	local perform = type(calcs) == "table" and calcs.perform
	if type(perform) ~= "function" then
		return false
	end
	local mergeIdx = upvalueIndex(perform, "mergeBuff")
	if not mergeIdx then
		return false
	end
	local _, mergeBuff = debug.getupvalue(perform, mergeIdx)
	if type(mergeBuff) ~= "function" or not orderChunkPairs(perform) then
		return false
	end
	debug.setupvalue(perform, mergeIdx, function(src, destTable, destKey)
		if destTable[destKey] == nil then
			recordKey(destTable, destKey)
		end
		return mergeBuff(src, destTable, destKey)
	end)
	return true
end

local function patchCalcActiveSkill(calcs)
	return type(calcs) == "table" and orderChunkPairs(calcs.mergeSkillInstanceMods)
end

local chunkPatches = {
	["Modules/CalcPerform"] = patchCalcPerform,
	["Modules/CalcActiveSkill"] = patchCalcActiveSkill,
}

local function pinCalcOrder()
	local found = {}
	-- Feature check on scratch copies; the copies each build loads are patched as loaded.
	for name, patch in pairs(chunkPatches) do
		local scratch = {}
		LoadModule(name, scratch)
		if not patch(scratch) then
			chunkPatches[name] = nil
		end
	end
	local build = calcLib and calcLib.buildSkillInstanceStats
	if chunkPatches["Modules/CalcActiveSkill"] and type(build) == "function" then
		calcLib.buildSkillInstanceStats = function(...)
			local stats = build(...)
			if type(stats) == "table" then
				keyOrder[stats] = SORTED
			end
			return stats
		end
		found.statOrder = 1
	else
		chunkPatches["Modules/CalcActiveSkill"] = nil
	end
	if chunkPatches["Modules/CalcPerform"] then
		found.buffOrder = 1
	end
	if next(chunkPatches) == nil then
		return found
	end
	local baseLoadModule = LoadModule
	LoadModule = function(fileName, ...)
		local patch = chunkPatches[(fileName:gsub("%.lua$", ""))]
		if not patch then
			return baseLoadModule(fileName, ...)
		end
		local calcs = ...
		local results = { baseLoadModule(fileName, ...) }
		patch(calcs)
		return unpack(results, 1, table.maxn(results))
	end
	return found
end

local changed = pinGemIdLookup()
if changed then
	pinned.gemIdLookup = changed
	if changed > 0 then
		-- Mod lines parsed before the fix may hold the old ids: start the parse cache again
		-- from PoB's shipped cache.
		wipeTable(modLib.parseModCache)
		LoadModule("Data/ModCache", modLib.parseModCache)
	end
end
pinned.gemVariants = pinGemVariants()
for name, count in pairs(pinCalcOrder()) do
	pinned[name] = count
end

return pinned
