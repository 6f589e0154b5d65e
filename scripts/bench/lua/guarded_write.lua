-- wrk: the same upserts as strongbox_write.lua, each guarded by a held session lock (token 1).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  return wrk.format("PATCH",
    "/cloud/v2/universes/1/data-stores/Bench/entries/player" .. math.random(1, 100000) ..
      "?allowMissing=true",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or "", ["Strongbox-Lock-Id"] = "guard",
     ["Strongbox-Fencing-Token"] = "1"},
    '{"value":{"gold":' .. counter .. ',"level":7}}')
end
