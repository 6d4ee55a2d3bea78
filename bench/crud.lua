-- Mixed CRUD for wrk: 50% read, 25% create, 25% update, over ids given in ids.txt.
-- Counts non-2xx answers so a fast wrong server cannot pass for a fast one.
local ids = {}
for line in io.lines(os.getenv("ENLACE_BENCH_IDS")) do ids[#ids + 1] = line end
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  math.randomseed(id * 7919 + 17)
end

local function patient(pid)
  local body = '{"resourceType":"Patient","active":true,"gender":"female","birthDate":"1970-0'
    .. math.random(1, 9) .. '-1' .. math.random(0, 9) .. '","name":[{"family":"Bench","given":["W'
    .. math.random(1, 100000) .. '"]}]'
  if pid then body = body .. ',"id":"' .. pid .. '"' end
  return body .. '}'
end

local token = os.getenv("ENLACE_BENCH_TOKEN") or ""
local auth = token ~= "" and ("Bearer " .. token) or nil
local json = { ["Content-Type"] = "application/fhir+json", ["Authorization"] = auth }
local created = { ["Content-Type"] = "application/fhir+json", ["Prefer"] = "return=minimal", ["Authorization"] = auth }
local plain = { ["Authorization"] = auth }

function request()
  local r = math.random()
  local pid = ids[math.random(1, #ids)]
  if r < 0.5 then
    return wrk.format("GET", "/fhir/Patient/" .. pid, plain)
  elseif r < 0.75 then
    return wrk.format("POST", "/fhir/Patient", created, patient(nil))
  else
    return wrk.format("PUT", "/fhir/Patient/" .. pid, json, patient(pid))
  end
end

function response(status, headers, body)
  if status >= 300 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("errors") end
  io.write(string.format('{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, failed,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
