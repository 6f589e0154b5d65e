-- wrk: loads entries p0 … p(LB_ENTRIES-1) of the bench leaderboard (universe LB_UNIVERSE,
-- default 1) with random scores in
-- [0, 1,000,000) (so ties exist). Thread t of LB_THREADS cycles through t, t+T, t+2T, …;
-- leaderboard.sh stops wrk as soon as the board holds every entry. (Cycling, rather than one
-- pass, also covers the one request wrk builds at start-up to verify the script and never sends.)
wrk.headers["x-api-key"] = os.getenv("SB_KEY") or ""  -- scripts/bench/lib.sh sets it
local total = tonumber(os.getenv("LB_ENTRIES") or "1000000")
local threads = tonumber(os.getenv("LB_THREADS") or "2")
local board = "/cloud/v2/universes/" .. (os.getenv("LB_UNIVERSE") or "1") ..
  "/ordered-data-stores/Bench/scopes/global/entries"
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
local sent = 0
function init(args)
  math.randomseed(os.time() + tid)
end
function request()
  local share = math.floor((total - tid + threads - 1) / threads)
  local i = tid + (sent % share) * threads
  sent = sent + 1
  return wrk.format("PATCH", board .. "/p" .. i .. "?allowMissing=true",
    {["Content-Type"] = "application/json", ["x-api-key"] = os.getenv("SB_KEY") or ""}, '{"value":' .. math.random(0, 999999) .. '}')
end
