-- wrk script: POST the prebuilt body in $BODY_FILE with $CONTENT_TYPE to the
-- URL's path, with the CSRF preflight header of GraphQL servers.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE")
wrk.headers["Apollo-Require-Preflight"] = "1"
