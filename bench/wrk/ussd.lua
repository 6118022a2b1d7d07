-- wrk script: USSD sessions walking loa's menu as an aggregator sends them (Africa's Talking
-- form, the whole text so far in each request): main menu, 4 (marriage law), 1 (a topic), 9 (its
-- next page), 0, 0; then a new session. Each connection's requests go round its thread's sessions,
-- so with -c 200 there are 200 sessions in flight.
--   wrk -s ussd.lua URL -- TAG SESSIONS_PER_THREAD
-- An answer that is not 200 with `CON ` or `END ` counts as bad.

local threads = {}
local steps = {"", "4", "4*1", "4*1*9", "4*1*9*0", "4*1*9*0*0"}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  tag = args[1]
  sessions = tonumber(args[2])
  step, round = {}, {}
  for s = 1, sessions do
    step[s] = 1
    round[s] = 0
  end
  cur = 0
  bad = 0
end

function request()
  cur = cur % sessions + 1
  local s = cur
  local text = steps[step[s]]:gsub("%*", "%%2A")
  local body = string.format(
    "sessionId=%s-%d-%d-%d&serviceCode=%%2A123%%23&phoneNumber=0912%d%05d&networkCode=45204&text=%s",
    tag, tid, s, round[s], tid, s, text)
  step[s] = step[s] + 1
  if step[s] > #steps then
    step[s] = 1
    round[s] = round[s] + 1
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  local head = body:sub(1, 4)
  if status ~= 200 or (head ~= "CON " and head ~= "END ") then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local b = 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
  end
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, b,
    latency:percentile(50), latency:percentile(99), latency.max))
end
