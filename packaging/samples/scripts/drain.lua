-- drain.lua: take a backend out of rotation without cutting its clients off.
--
--   op drain vip NAME backend NAME [weight N] [comment TEXT]
--
-- Sets the backend's weight to 0 (or to N, to put it back) and commits. With weight
-- 0 no new flow goes to the backend; established flows stay pinned to it until they
-- end (`request services dsr flush vip NAME backend NAME` drops them at once).
-- Configure it with `set system scripts op file drain.lua`.
local args = ...

local vip, backend = args.vip, args.backend
if vip == nil or backend == nil then
	error("usage: op drain vip NAME backend NAME [weight N] [comment TEXT]", 0)
end
local weight = tonumber(args.weight or "0")
if weight == nil or weight < 0 or weight ~= math.floor(weight) then
	error("op drain: weight must be a whole number, not '" .. args.weight .. "'", 0)
end

local cfg <close> = tula.config() -- a private candidate, discarded if anything fails
local path = ("services dsr vip %s backend %s"):format(vip, backend)
local be = cfg:get(path)
if be == nil then
	error(("op drain: VIP %s has no backend %s"):format(vip, backend), 0)
end
local before = be.weight or 100
if before == weight then
	print(("backend %s of VIP %s already has weight %d: nothing to commit"):format(
		backend, vip, weight))
	return
end

cfg:set(("%s weight %d"):format(path, weight))
local r = cfg:commit{comment = args.comment or
	("op drain: vip %s backend %s weight %d"):format(vip, backend, weight)}
print(("backend %s of VIP %s: weight %d -> %d (committed, revision id %d)"):format(
	backend, vip, before, weight, r.id))
