-- wrk: one trade as one :commit - debit a random wallet 1 coin (min 0) and credit another,
-- among the 100,000 preloaded wallets of universe 1, all or nothing.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
local template = '{"operations":[' ..
  '{"entry":{"dataStore":"Big","id":"player%06d"},' ..
  '"patch":[{"op":"increment","path":"/coins","value":-1,"min":0}]},' ..
  '{"entry":{"dataStore":"Big","id":"player%06d"},' ..
  '"patch":[{"op":"increment","path":"/coins","value":1}]}]}'
request = function()
  local from = math.random(0, 99999)
  local to = (from + math.random(1, 99999)) % 100000
  return wrk.format("POST", "/cloud/v2/universes/1:commit",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    string.format(template, from, to))
end
