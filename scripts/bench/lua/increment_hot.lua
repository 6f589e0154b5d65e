-- wrk: :increment of one hot key (every request conflicts; the sequencer serializes them).
wrk.method = "POST"
wrk.path = "/cloud/v2/universes/1/data-stores/Bench/entries/hot-counter:increment"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"amount":1}'
