-- Adds a transient change: every VIP gets flow-timeout 60 unless it sets one.
local cfg = ...
for name, vip in pairs(cfg.services.dsr.vip) do
	if vip["flow-timeout"] == nil then
		tula.commit_change(("set services dsr vip %s flow-timeout 60"):format(name))
	end
end
print("transient changes added")
