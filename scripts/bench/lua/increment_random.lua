-- wrk: :increment of random keys among 100,000.
math.randomseed(os.time())
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/data-stores/Bench/entries/counter" ..
    math.random(1, 100000) .. ":increment", {["Content-Type"] = "application/json"},
    '{"amount":1}')
end
