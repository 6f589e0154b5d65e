-- wrk: upsert random entries among 100,000 keys (no etag: no conflicts, pure write path).
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local key = "player" .. math.random(1, 100000)
  return wrk.format("PATCH",
    "/cloud/v2/universes/1/data-stores/Bench/entries/" .. key .. "?allowMissing=true",
    {["Content-Type"] = "application/json"},
    '{"value":{"gold":' .. counter .. ',"level":7}}')
end
