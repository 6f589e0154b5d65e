-- wrk: :increment of random entries of the bench leaderboard (LB_ENTRIES entries).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/ordered-data-stores/Bench/scopes/global/entries/p" ..
    math.random(0, entries - 1) .. ":increment", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""}, '{"amount":1}')
end
