-- wrk: adds items to the bench queue.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/cloud/v2/universes/1/memory-store/queues/Bench/items",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""}, '{"data":{"n":' .. counter .. '},"ttl":"600s"}')
end
