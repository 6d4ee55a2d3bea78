-- Patient-scoped searches for wrk, a random patient per request (bench/search.py writes the list).
-- Lines of ENLACE_BENCH_PATIENTS: "<patient id> <loinc code>,<loinc code>,..." (the common LOINC
-- codes that patient has Observations of). ENLACE_BENCH_KIND picks one query or "mix":
-- 40% latest Observations by code, 30% active MedicationRequests with their Medication and
-- prescriber, 15% active Conditions, 15% compartment search of Observations.
-- Counts non-2xx answers and answers without entries, so a fast empty server cannot pass.
local patients = {}
for line in io.lines(os.getenv("ENLACE_BENCH_PATIENTS")) do
  local pid, codes = line:match("^(%S+)%s*(%S*)$")
  local list = {}
  for code in codes:gmatch("[^,]+") do list[#list + 1] = code end
  patients[#patients + 1] = { id = pid, codes = list }
end
local kind = os.getenv("ENLACE_BENCH_KIND") or "mix"
dofile(os.getenv("ENLACE_BENCH_LUA_DIR") .. "/search_counting.lua")

local function observations(p)
  local code = "8302-2"
  if #p.codes > 0 then code = p.codes[math.random(1, #p.codes)] end
  return "/fhir/Observation?patient=Patient/" .. p.id .. "&code=http://loinc.org%7C" .. code
    .. "&_sort=-date&_count=10"
end

local function prescriptions(p)
  return "/fhir/MedicationRequest?patient=Patient/" .. p.id .. "&status=active"
    .. "&_include=MedicationRequest:medication&_include=MedicationRequest:requester"
end

local function conditions(p)
  return "/fhir/Condition?patient=" .. p.id .. "&clinical-status=active"
end

local function compartment(p)
  return "/fhir/Patient/" .. p.id .. "/Observation?_count=20"
end

local paths = { obs = observations, meds = prescriptions, cond = conditions, comp = compartment }

function request()
  local p = patients[math.random(1, #patients)]
  local build = paths[kind]
  if build == nil then
    local r = math.random()
    if r < 0.40 then build = observations
    elseif r < 0.70 then build = prescriptions
    elseif r < 0.85 then build = conditions
    else build = compartment end
  end
  return wrk.format("GET", build(p))
end
