-- wrk: upsert random entries among 100,000 keys (no etag: no conflicts, pure write path).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local key = "player" .. math.random(1, 100000)
  return wrk.format("PATCH",
    "/cloud/v2/universes/1/data-stores/Bench/entries/" .. key .. "?allowMissing=true",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"value":{"gold":' .. counter .. ',"level":7}}')
end
