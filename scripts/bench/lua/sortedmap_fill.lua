-- wrk: fills items i1 … i100000 of the bench sorted map, cycling through them (thread t of 2
-- takes t+1, t+3, …), so a run long enough for one pass leaves every item present.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
local sent = 0
function request()
  local i = 1 + tid + (sent % 50000) * 2
  sent = sent + 1
  return wrk.format("PATCH", "/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items/i" .. i ..
    "?allowMissing=true", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"value":{"n":' .. sent .. '},"ttl":"600s","numericSortKey":' .. (i % 1001) .. '}')
end
