-- wrk: acquire random locks among 100,000 by one owner (a free lock: new token; held by this
-- owner: renewed) — every request is one commit.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/session-locks/player-" ..
    math.random(1, 100000) .. ":acquire", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"owner":"bench","ttl":"3600s"}')
end
