-- wrk: gets of random items among 100,000 of one sorted map.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items/i" ..
    math.random(1, 100000))
end
