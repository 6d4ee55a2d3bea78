-- Population searches for wrk: a random line of ENLACE_BENCH_PATHS (request paths) per request.
-- Counts non-2xx answers and answers without entries (search_counting.lua).
local paths = {}
for line in io.lines(os.getenv("ENLACE_BENCH_PATHS")) do paths[#paths + 1] = line end
dofile(os.getenv("ENLACE_BENCH_LUA_DIR") .. "/search_counting.lua")

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
