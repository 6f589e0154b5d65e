-- wrk: GET one existing entry (the hot read path).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
wrk.method = "GET"
wrk.path = "/cloud/v2/universes/1/data-stores/Bench/entries/hot"
