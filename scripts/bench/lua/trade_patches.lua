-- wrk: the same trade as two single :patch calls, the debit then the credit (what a game does
-- without transactions: a crash between them loses the coin). Each wrk request is one call, so
-- trades per second are half the requests per second.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local debit = '{"operations":[{"op":"increment","path":"/coins","value":-1,"min":0}]}'
local credit = '{"operations":[{"op":"increment","path":"/coins","value":1}]}'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", string.format(
    "/cloud/v2/universes/1/data-stores/Big/entries/player%06d:patch", math.random(0, 99999)),
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    n % 2 == 1 and debit or credit)
end
