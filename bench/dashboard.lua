-- GET / (the dashboard HTML page), each request as the next signed-in browser (session cookie).
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local next_cookie = common.cycle(common.cookies())

request = function()
  local line = next_cookie()
  local cookie = line:match("^%S+%s+(.+)$")
  return wrk.format("GET", "/", { ["Cookie"] = cookie })
end
