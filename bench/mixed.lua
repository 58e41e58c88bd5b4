-- 90 % reads (received list, partnerships list, user search in turn), 10 % writes (the
-- create+accept cycle).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local next_token = common.cycle(tokens)
local next_term = common.cycle(common.terms())
local writer = common.writer(tokens)
local n = 0

request = function()
  n = n + 1
  if n % 10 == 0 then return writer.request() end
  local kind = n % 3
  if kind == 0 then return wrk.format("GET", "/api/v1/users?q=" .. next_term()) end
  local token, id = next_token()
  local path = kind == 1 and ("/api/v1/partner-requests/received/" .. id) or ("/api/v1/users/" .. id .. "/partnerships")
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
response = function(status, headers, body) writer.response(status, body) end
