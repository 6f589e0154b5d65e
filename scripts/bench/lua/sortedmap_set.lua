-- wrk: upserts of random items among 100,000 of one sorted map (60 s ttl, numeric sort key).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PATCH", "/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items/i" ..
    math.random(1, 100000) .. "?allowMissing=true", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"value":{"n":' .. counter .. '},"ttl":"600s","numericSortKey":' .. math.random(0, 1000) .. '}')
end
