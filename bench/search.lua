-- GET /api/v1/users?q=…, rotating over search terms (no identity needed).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local next_term = common.cycle(common.terms())

request = function()
  return wrk.format("GET", "/api/v1/users?q=" .. next_term())
end
