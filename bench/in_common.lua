-- GET /api/v1/users/{id}/partners-in-common/{other}: each request as the next user, asking
-- about the user at the next id (neighbours share partners in the seeded layout); with
-- BENCH_HUB_EVERY=k every k-th request is hub 1 asking about hub 2 (both best-connected, every
-- partner shared: the worst case, see --hubs).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local next_token = common.cycle(tokens)
local hub_every = tonumber(os.getenv("BENCH_HUB_EVERY") or "0")
local n = 0

request = function()
  local token, id = next_token()
  local other = id % #tokens + 1
  n = n + 1
  if hub_every > 0 and n % hub_every == 0 then token, id, other = tokens[1], 1, 2 end
  return wrk.format("GET", "/api/v1/users/" .. id .. "/partners-in-common/" .. other,
    { ["Authorization"] = "Bearer " .. token })
end
