-- wrk: GET one existing entry (the hot read path).
wrk.method = "GET"
wrk.path = "/cloud/v2/universes/1/data-stores/Bench/entries/hot"
