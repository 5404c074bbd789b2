-- Reports what the view holds: inactive statements must not be there.
local cfg = ...
local names = {}
for name in pairs(cfg.services.dsr.vip) do names[#names + 1] = name end
table.sort(names)
local bes = {}
for name in pairs(cfg.services.dsr.vip.web.backend) do bes[#bes + 1] = name end
table.sort(bes)
tula.commit_warning("", "vips=" .. table.concat(names, ",") .. " backends=" ..
	table.concat(bes, ",") .. " kind=" .. tula.commit_kind .. " user=" .. tula.user ..
	" cli=" .. tostring(tula.cli) .. " config=" .. tostring(tula.config))
