-- wrk script: POST the prebuilt body in $BODY_FILE (read once, at start) with
-- $CONTENT_TYPE, and the CSRF preflight header GraphQL servers want (the
-- Django peer ignores it). Counts failed answers: a status >= 300 or a body
-- with GraphQL "errors" (a refused upload answers 200 with errors), and
-- prints "ERRORS n" at the end.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE")
wrk.headers["Apollo-Require-Preflight"] = "1"

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  errors = 0
end

function response(status, headers, body)
  if status >= 300 or (body and string.find(body, '"errors"', 1, true)) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (t:get("errors") or 0)
  end
  io.write(string.format("ERRORS %d\n", n))
end
