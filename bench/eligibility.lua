-- CoverageEligibilityRequest/$submit for wrk: bodies from ENLACE_BENCH_BODIES, one per line,
-- taken in turn. Counts non-2xx answers so a fast wrong server cannot pass for a fast one.
local bodies = {}
for line in io.lines(os.getenv("ENLACE_BENCH_BODIES")) do bodies[#bodies + 1] = line end
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  next_body = id * 7919
end

local headers = { ["Content-Type"] = "application/fhir+json" }

function request()
  next_body = next_body + 1
  return wrk.format("POST", "/fhir/CoverageEligibilityRequest/$submit", headers,
    bodies[(next_body % #bodies) + 1])
end

function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("errors") end
  io.write(string.format(
    '{"rps": %.1f, "requests": %d, "non_200": %d, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d}\n',
    summary.requests / (summary.duration / 1e6), summary.requests, failed,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
