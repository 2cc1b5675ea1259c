-- wrk script: alternate full GETs and 1 KiB Range requests.
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", nil, { ["Range"] = "bytes=0-1023" })
  end
  return wrk.format("GET")
end
