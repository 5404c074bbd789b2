-- A commit script with a bug on line 4: it indexes a field that does not exist.
local cfg = ...
local vips = cfg.services.dsr.vip
local n = vips.web.nosuch.count
