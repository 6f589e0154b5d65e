-- wrk: :rank (descending) of random entries of one season (LB_SEASON) of the bench leaderboard,
-- read while the board resets (scripts/bench/leaderboard.sh).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
local season = os.getenv("LB_SEASON") or "0"
request = function()
  return wrk.format("GET", "/cloud/v2/universes/1/ordered-data-stores/Bench/scopes/global/entries/p" ..
    math.random(0, entries - 1) .. ":rank?orderBy=value%20desc&season=" .. season)
end
