-- wrk: steal random locks among 100,000 (ids apart from lock_acquire.lua's) — a hand-over with a new fencing token every time.
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
math.randomseed(os.time())
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/session-locks/stolen-" ..
    math.random(1, 100000) .. ":steal", {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""},
    '{"owner":"thief","ttl":"3600s"}')
end
