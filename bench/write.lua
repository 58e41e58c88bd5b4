-- The create+accept cycle: POST /api/v1/partner-requests, then the recipient's
-- POST /api/v1/partner-requests/{id}/respond {"action":"accept"}.
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local writer = common.writer(common.tokens())

request = function() return writer.request() end
response = function(status, headers, body) writer.response(status, body) end
