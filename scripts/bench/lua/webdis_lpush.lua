-- wrk: LPUSH to the bench list, through webdis.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/LPUSH/benchq/n" .. counter)
end
