-- wrk: :increment of one hot key (every request conflicts; the sequencer serializes them).
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
wrk.method = "POST"
wrk.path = "/cloud/v2/universes/1/data-stores/Bench/entries/hot-counter:increment"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"amount":1}'
