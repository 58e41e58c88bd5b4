-- GET /api/v1/users/{id}/suggestions, each request as the next user (bearer token); with
-- BENCH_HUB_EVERY=k every k-th request is a hub's (user 1, the best-connected; see --hubs).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local next_token = common.cycle(tokens)
local hub_every = tonumber(os.getenv("BENCH_HUB_EVERY") or "0")
local n = 0

request = function()
  local token, id = next_token()
  n = n + 1
  if hub_every > 0 and n % hub_every == 0 then token, id = tokens[1], 1 end
  return wrk.format("GET", "/api/v1/users/" .. id .. "/suggestions", { ["Authorization"] = "Bearer " .. token })
end
