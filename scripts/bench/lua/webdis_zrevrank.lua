-- wrk: ZREVRANK of random members of the bench sorted set (LB_ENTRIES members), through webdis.
math.randomseed(os.time())
local entries = tonumber(os.getenv("LB_ENTRIES") or "1000000")
request = function()
  return wrk.format("GET", "/ZREVRANK/bench/p" .. math.random(0, entries - 1))
end
