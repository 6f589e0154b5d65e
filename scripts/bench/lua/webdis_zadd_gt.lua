-- wrk: ZADD GT (keep the greater score) of random scores for random members of the bench sorted
-- set (LB_ENTRIES members), through webdis: the peer of leaderboard_best.lua.
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
request = function()
  return wrk.format("GET", "/ZADD/bench/GT/" .. math.random(0, 2000000) .. "/p" ..
    math.random(0, entries - 1))
end
