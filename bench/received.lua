-- GET /api/v1/partner-requests/received/{id}, each request as the next user (bearer token).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local next_token = common.cycle(common.tokens())
-- BENCH_QUERY (e.g. "?size=10") is appended to the path.
local query = os.getenv("BENCH_QUERY") or ""

request = function()
  local token, id = next_token()
  return wrk.format("GET", "/api/v1/partner-requests/received/" .. id .. query, { ["Authorization"] = "Bearer " .. token })
end
