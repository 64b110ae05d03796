"""One PoB in one Lua state: boot it, load and recalculate builds, read the results."""
