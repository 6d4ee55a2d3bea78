-- Shared by the search benchmarks' wrk scripts (loaded with dofile): per-thread seeds, and counts
-- of non-2xx answers and answers without entries, so that a fast empty server cannot pass.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  empty = 0
  math.randomseed(id * 7919 + 17)
end

function response(status, headers, body)
  if status >= 300 then
    errors = errors + 1
  elseif not body:find('"entry"', 1, true) then
    empty = empty + 1
  end
end

function done(summary, latency, requests)
  local failed, blank = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
    blank = blank + thread:get("empty")
  end
  io.write(string.format('{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"non_2xx":%d,"empty":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, blank,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
