-- wrk script: cycles through the URL-escaped queries of the file given after
-- "--", one per line, each thread from its own random starting point.
local queries = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    queries[#queries + 1] = line
  end
  if #queries == 0 then
    error("no queries in " .. args[1])
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000)
  i = math.random(#queries)
end

function request()
  i = i % #queries + 1
  return wrk.format("GET", "/search?q=" .. queries[i])
end
