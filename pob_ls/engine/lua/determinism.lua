-- pob-ls host glue, part 4: make PoB's results independent of LuaJIT's per-state hash seed.
--
-- LuaJIT seeds string hashing per state, so `pairs` order differs between processes. Where
-- PoB builds a lookup from `pairs` order and several keys collide, the winner changes from
-- process to process. Each such source is found at run time (feature detection, no PoB file
-- is edited) and rebuilt in a fixed order. Returns a table: source name -> entries rewritten.

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

return pinned
