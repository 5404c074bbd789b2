-- check-ports.lua: VIPs may only listen on the ports this site allows.
--
-- A commit script: runs on every commit with the configuration being committed
-- (inactive statements removed) as its argument. Configure it with
-- `set system scripts commit file check-ports.lua`.
--   - a port in ALLOWED passes;
--   - a port in DEPRECATED passes with a warning;
--   - any other port, and `port *` (all ports), fails the commit.
local cfg = ...

local ALLOWED = { [80] = true, [443] = true }
local DEPRECATED = { [8080] = "move it to 80 or 443" }

local function allowed_list()
	local ports = {}
	for p in pairs(ALLOWED) do ports[#ports + 1] = p end
	table.sort(ports)
	return table.concat(ports, ", ")
end

local dsr = cfg.services and cfg.services.dsr
for name, vip in pairs(dsr and dsr.vip or {}) do
	local path = ("services dsr vip %s port"):format(name)
	local port = vip.port
	if port == "*" then
		tula.commit_error(path, ("VIP %s listens on all ports; allowed ports: %s"):format(
			name, allowed_list()))
	elseif DEPRECATED[port] then
		tula.commit_warning(path, ("VIP %s uses deprecated port %d: %s"):format(
			name, port, DEPRECATED[port]))
	elseif port ~= nil and not ALLOWED[port] then
		tula.commit_error(path, ("VIP %s: port %d is not allowed (allowed ports: %s)"):format(
			name, port, allowed_list()))
	end
end
