-- The attacker's side of the `adversarial` workload: the most expensive requests the service
-- allows, in turn. Every search is capped (at most 5,000 users looked at, pages at most
-- page x size = 10,000 deep), so these are the bounded worst cases:
--   - one- and two-character searches (no index narrows them: the 5,000 longest-standing users
--     are tested one by one) and broad ones (`example.com` is in every e-mail address), on the
--     API at its first page, at the deepest page a capped search fills (page=250&size=20) and at
--     the deepest allowed (page=100&size=100);
--   - the same through the pages (`/users/search`, session cookie, with and without
--     `HX-Request: true`), at the first page and past the deepest (page=99999);
--   - the directory's deepest page, and the deepest page of each of a user's lists (bearer token).
-- Searches are kept by (query, page, size) while no user is added, so the rotation runs over
-- hundreds of different queries: an attacker who repeated one request would mostly be answered
-- from memory, which is not the worst case.
package.path = (os.getenv("BENCH_SRC") or ".") .. "/?.lua;" .. package.path
local common = require("common")
local tokens = common.tokens()
local next_token = common.cycle(tokens)
local next_cookie = common.cycle(common.cookies())

local letters = "abcdefghijklmnopqrstuvwxyz"
local queries = {}
for i = 1, #letters do queries[#queries + 1] = letters:sub(i, i) end
-- Two-character queries: common pairs (they match many users) and rare ones (`zq`: every one of
-- the 5,000 is tested and few or none match, so the page is never filled early).
local firsts, seconds = "aeinorstkmzqxj", "aeilnorstkqzy"
for i = 1, #firsts do
  for j = 1, #seconds do queries[#queries + 1] = firsts:sub(i, i) .. seconds:sub(j, j) end
end
for _, q in ipairs({ "example.com", "example", "e%20k", "ali", "mart", "kim", "son", "nguy", "an%20m", "%40ex" }) do
  queries[#queries + 1] = q
end

local api_pages = { "page=1&size=20", "page=250&size=20", "page=100&size=100", "page=50&size=100" }
local html_pages = { "1", "250", "99999" }
local lists = {
  "/api/v1/partner-requests/received/%d?page=100&size=100",
  "/api/v1/partner-requests/sent/%d?page=100&size=100",
  "/api/v1/users/%d/partnerships?page=100&size=100",
  "/api/v1/users/%d/notifications?page=100&size=100",
}

local qi, li, step = 0, 0, 0

local function cookie_of(line) return line:match("^%S+%s+(.+)$") end

request = function()
  step = step + 1
  local kind = step % 8
  if kind == 0 or kind == 1 or kind == 2 then
    -- API search: the query moves every time, the page shape every full turn of the queries.
    qi = qi + 1
    local q = queries[(qi - 1) % #queries + 1]
    local shape = api_pages[math.floor((qi - 1) / #queries) % #api_pages + 1]
    return wrk.format("GET", "/api/v1/users?q=" .. q .. "&" .. shape)
  elseif kind == 3 or kind == 4 then
    -- The pages' search, signed in; every other one as htmx asks it.
    qi = qi + 1
    local q = queries[(qi - 1) % #queries + 1]
    local page = html_pages[math.floor((qi - 1) / #queries) % #html_pages + 1]
    local headers = { ["Cookie"] = cookie_of(next_cookie()) }
    if kind == 4 then headers["HX-Request"] = "true" end
    return wrk.format("GET", "/users/search?q=" .. q .. "&page=" .. page, headers)
  elseif kind == 5 then
    -- The directory (no query) at its deepest pages.
    local shape = (step % 16 == 5) and "page=500&size=20" or "page=100&size=100"
    return wrk.format("GET", "/api/v1/users?" .. shape)
  else
    -- A user's own lists at the deepest page allowed.
    li = li + 1
    local token, id = next_token()
    local path = string.format(lists[(li - 1) % #lists + 1], id)
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  end
end

-- Answers other than 2xx, by status and error code (JSON) or message (HTML), printed at the
-- end so a refusal is named, not only counted (as a flat string, which done() reads from the
-- thread).
local refused = {}
refused_text = ""
response = function(status, headers, body)
  if status >= 300 then
    local what = body:match('^%s*{.-"code"%s*:%s*"([^"]+)"') or body:match("<title>([^<]+)</title>")
      or body:match('role="alert">([^<]+)<') or ""
    local key = status .. " " .. what:gsub("[^%w%s%p]", ""):sub(1, 80)
    refused[key] = (refused[key] or 0) + 1
    local lines = {}
    for k, n in pairs(refused) do lines[#lines + 1] = "refused: " .. n .. " x " .. k end
    refused_text = table.concat(lines, "\n")
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
done = function()
  for _, thread in ipairs(threads) do
    local text = thread:get("refused_text")
    if text and text ~= "" then io.write(text, "\n") end
  end
end
