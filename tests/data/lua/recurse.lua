-- An op script that runs itself through tula.cli, forever if nothing stopped it.
local args = ...
local depth = tonumber(args.depth or "1")
print("depth " .. depth)
print(tula.cli("op recurse depth " .. (depth + 1)))
