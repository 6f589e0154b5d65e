-- wrk: steal random locks among 100,000 (ids apart from lock_acquire.lua's) — a hand-over with a new fencing token every time.
math.randomseed(os.time())
request = function()
  return wrk.format("POST", "/cloud/v2/universes/1/session-locks/stolen-" ..
    math.random(1, 100000) .. ":steal", {["Content-Type"] = "application/json"},
    '{"owner":"thief","ttl":"3600s"}')
end
