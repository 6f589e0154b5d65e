-- wrk: ZSCORE of random members among 100,000 of one sorted set, through webdis.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/ZSCORE/bench/i" .. math.random(1, 100000))
end
