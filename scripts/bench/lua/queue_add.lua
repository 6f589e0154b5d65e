-- wrk: adds items to the bench queue.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/cloud/v2/universes/1/memory-store/queues/Bench/items",
    {["Content-Type"] = "application/json"}, '{"data":{"n":' .. counter .. '},"ttl":"600s"}')
end
