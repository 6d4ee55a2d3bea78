-- Pack verification for wrk: POST /trace/verify (the pharmacist's call) or GET the public
-- Digital Link page as JSON, codes from ENLACE_BENCH_CODES (one per line), taken in turn.
-- Counts non-200 answers and answers that are not "authentic": a fast wrong server fails.
local codes = {}
for line in io.lines(os.getenv("ENLACE_BENCH_CODES")) do codes[#codes + 1] = line end
local route = os.getenv("ENLACE_BENCH_ROUTE")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  wrong = 0
  next_code = id * 7919
end

local post_headers = { ["Content-Type"] = "application/json" }
local get_headers = { ["Accept"] = "application/json" }

function request()
  next_code = next_code + 1
  local code = codes[(next_code % #codes) + 1]
  if route == "public" then
    return wrk.format("GET", code, get_headers)  -- the link's path and query
  end
  return wrk.format("POST", "/trace/verify", post_headers, '{"code": "' .. code .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then errors = errors + 1
  elseif not string.find(body, '"status":"authentic"', 1, true) then wrong = wrong + 1 end
end

function done(summary, latency, requests)
  local failed, bad = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
    bad = bad + thread:get("wrong")
  end
  io.write(string.format(
    '{"rps": %.1f, "requests": %d, "non_200": %d, "not_authentic": %d, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d}\n',
    summary.requests / (summary.duration / 1e6), summary.requests, failed, bad,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
