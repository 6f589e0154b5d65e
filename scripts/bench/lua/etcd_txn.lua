-- wrk: etcd v3 JSON gateway txn of a trade: compare both keys' mod_revision, then put both, in
-- one request. A real compare-and-swap first reads the two keys (a second request); that read
-- is not counted here, in etcd's favour.
package.path = package.path .. ";" .. os.getenv("BENCH_LUA_DIR") .. "/?.lua"
require("base64")
math.randomseed(os.time())
local counter = 0
request = function()
  counter = counter + 1
  local from = math.random(1, 100000)
  local to = (from - 1 + math.random(1, 99999)) % 100000 + 1  -- never `from` itself
  local a, b = b64("player" .. from), b64("player" .. to)
  local va, vb = b64('{"coins":' .. counter .. '}'), b64('{"coins":' .. (counter + 1) .. '}')
  local body = '{"compare":[' ..
    '{"key":"' .. a .. '","target":"MOD","result":"LESS","mod_revision":"9000000000000"},' ..
    '{"key":"' .. b .. '","target":"MOD","result":"LESS","mod_revision":"9000000000000"}],' ..
    '"success":[{"request_put":{"key":"' .. a .. '","value":"' .. va .. '"}},' ..
    '{"request_put":{"key":"' .. b .. '","value":"' .. vb .. '"}}]}'
  return wrk.format("POST", "/v3/kv/txn", {["Content-Type"] = "application/json"}, body)
end
