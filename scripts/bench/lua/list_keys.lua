-- wrk: one page of 100 keys at a random place of the 100,000-key store (id.startsWith filter).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format(
    "/cloud/v2/universes/1/data-stores/Big/entries?maxPageSize=100&filter=id.startsWith(%%22player%03d%%22)",
    math.random(0, 999)))
end
