-- wrk: read the change feed of universe 1, pages of 100 from a random cursor among the first
-- 90,000 sequences (scripts/bench/changes.sh fills at least 100,000 records first).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/cloud/v2/universes/1/changes?maxPageSize=100&startAfter=" ..
                    math.random(0, 90000))
end
