-- wrk: :increment of random keys among 100,000.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/data-stores/Bench/entries/counter" ..
    math.random(1, 100000) .. ":increment", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"amount":1}')
end
