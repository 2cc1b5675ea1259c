-- wrk script: alternate full GETs and 1 KiB Range requests (bytes=0-1023) of
-- the URL. Both 200 and 206 are 2xx, so wrk's own "Non-2xx" count catches
-- failures (no response() hook: it would copy every 100 KB body into Lua).
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", nil, { ["Range"] = "bytes=0-1023" })
  end
  return wrk.format("GET")
end
