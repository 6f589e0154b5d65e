-- wrk: :increment of random entries of the bench leaderboard (LB_ENTRIES entries).
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/ordered-data-stores/Bench/scopes/global/entries/p" ..
    math.random(0, entries - 1) .. ":increment", {["Content-Type"] = "application/json"}, '{"amount":1}')
end
