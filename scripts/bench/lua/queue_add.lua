-- wrk: adds items to the bench queue.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local counter = 0
-- BENCH_QUEUE names the queue (default Bench): a script that only adds gives each round its own,
-- so rounds of a fast machine never meet the 1,000,000-item limit of one queue.
local queue = os.getenv("BENCH_QUEUE") or "Bench"
request = function()
  counter = counter + 1
  return wrk.format("POST", "/cloud/v2/universes/1/memory-store/queues/" .. queue .. "/items",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""}, '{"data":{"n":' .. counter .. '},"ttl":"600s"}')
end
