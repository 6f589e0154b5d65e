-- wrk: "keep my best score" submissions (writeStrategy best, api.md §9) of random scores for
-- random entries of the bench leaderboard (LB_ENTRIES entries): PATCH with allowMissing.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
request = function()
  return wrk.format("PATCH", "/cloud/v2/universes/1/ordered-data-stores/Bench/scopes/global/entries/p" ..
    math.random(0, entries - 1) .. "?allowMissing=true",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"value":' .. math.random(0, 2000000) .. '}')
end
