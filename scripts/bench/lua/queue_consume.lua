-- wrk: consumes the bench queue: reads up to 10 items (long poll, waitTime 1s, so an idle
-- consumer waits instead of spinning), then discards that read, in turn.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local pending = {}
local q = "/cloud/v2/universes/1/memory-store/queues/Bench/items"
request = function()
  if #pending > 0 then
    return wrk.format("POST", q .. ":discard?readId=" .. table.remove(pending))
  end
  return wrk.format("GET", q .. ":read?count=10&invisibilityWindow=30s&waitTime=1s")
end
response = function(status, headers, body)
  local id = body:match('"readId":"(%x+)"')
  if id then table.insert(pending, id) end
end
