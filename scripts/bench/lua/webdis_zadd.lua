-- wrk: ZADD of random members among 100,000 of one sorted set, through webdis.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/ZADD/bench/" .. math.random(0, 1000) .. "/i" .. math.random(1, 100000))
end
