-- wrk: :patch of random wallets of the preloaded store: earn 3 and spend 1 with a min-0 bound,
-- both in one atomic request (what an UpdateAsync callback does, without the round trips).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local body = '{"operations":[{"op":"increment","path":"/coins","value":3},' ..
  '{"op":"increment","path":"/coins","value":-1,"min":0}]}'
request = function()
  return wrk.format("POST", string.format(
    "/cloud/v2/universes/1/data-stores/Big/entries/player%06d:patch", math.random(0, 99999)),
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""}, body)
end
