-- wrk: GET of the URL wrk is given (path and query), with the key.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
