-- Shared by the workload scripts: reads the bench's files (tokens, cookies, search terms) once per
-- wrk thread and hands them out in turn, so consecutive requests act as different users.

local M = {}

function M.lines(path)
  local items = {}
  local file = assert(io.open(path, "r"), "cannot open " .. path)
  for line in file:lines() do
    if line ~= "" then items[#items + 1] = line end
  end
  file:close()
  return items
end

local dir = os.getenv("BENCH_DIR") or "."

-- tokens[i] is the bearer token of user i (ids 1..N on a freshly seeded database).
function M.tokens() return M.lines(dir .. "/tokens.txt") end
-- Each line: "<user id> <cookie>".
function M.cookies() return M.lines(dir .. "/cookies.txt") end
function M.terms() return M.lines(dir .. "/" .. (os.getenv("BENCH_TERMS") or "terms.txt")) end

-- A rotating cursor over a list.
function M.cycle(list)
  local i = 0
  return function()
    i = i % #list + 1
    return list[i], i
  end
end

-- The create+accept cycle. Pairs (a, a + d) with d past every distance the seed used are
-- strangers: no request, no partnership, no block. Each send that succeeds (201) queues its
-- accept, issued by the recipient; so half the requests are sends and half accepts.
function M.writer(tokens)
  local n = #tokens
  local first_free = tonumber(os.getenv("BENCH_FREE_DISTANCE") or "20")
  local k = tonumber(os.getenv("BENCH_WRITE_OFFSET") or "0")
  local accepts = {}
  local w = {}
  function w.request()
    local pending = table.remove(accepts)
    if pending then
      return wrk.format("POST", "/api/v1/partner-requests/" .. pending.id .. "/respond",
        { ["Authorization"] = "Bearer " .. tokens[pending.recipient], ["Content-Type"] = "application/json" },
        '{"action":"accept"}')
    end
    local sender = k % n + 1
    local recipient = (sender - 1 + first_free + math.floor(k / n)) % n + 1
    k = k + 1
    return wrk.format("POST", "/api/v1/partner-requests",
      { ["Authorization"] = "Bearer " .. tokens[sender], ["Content-Type"] = "application/json" },
      '{"recipient_id":' .. recipient .. '}')
  end
  function w.response(status, body)
    if status == 201 then
      local id = body:match('"request_id":(%d+)')
      local recipient = body:match('"recipient_id":(%d+)')
      if id and recipient then accepts[#accepts + 1] = { id = id, recipient = tonumber(recipient) } end
    end
  end
  return w
end

return M
