-- wrk: etcd v3 JSON gateway range (get) of one existing key.
package.path = package.path .. ";" .. os.getenv("BENCH_LUA_DIR") .. "/?.lua"
require("base64")
local body = '{"key":"' .. b64("hot") .. '"}'
request = function()
  return wrk.format("POST", "/v3/kv/range", {["Content-Type"] = "application/json"}, body)
end
