-- Reads, history and searches over a large store, for the memory benchmark.
local ids = {}
for line in io.lines(os.getenv("ENLACE_BENCH_IDS")) do ids[#ids + 1] = line end

function request()
  local r = math.random()
  local pid = ids[math.random(1, #ids)]
  if r < 0.6 then
    return wrk.format("GET", "/fhir/Patient/" .. pid)
  elseif r < 0.8 then
    return wrk.format("GET", "/fhir/Patient/" .. pid .. "/_history")
  else
    return wrk.format("GET", "/fhir/Patient?_count=50&_offset=" .. math.random(0, 200))
  end
end
