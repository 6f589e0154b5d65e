-- wrk: etcd v3 JSON gateway put of random keys among 100,000 (the durable KV peer).
package.path = package.path .. ";" .. os.getenv("BENCH_LUA_DIR") .. "/?.lua"
require("base64")
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local key = b64("player" .. math.random(1, 100000))
  local value = b64('{"gold":' .. counter .. ',"level":7}')
  return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"},
    '{"key":"' .. key .. '","value":"' .. value .. '"}')
end
