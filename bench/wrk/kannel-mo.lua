-- wrk script: one Kannel MO (the sms-service get-url loa's Kannel webhook takes) per request,
-- each from a number, with a text and a Kannel id not used before in this loa instance's life,
-- so the inbox deduplicates nothing and every request gets a reply queued.
--   wrk -s kannel-mo.lua URL -- PATH BASE
-- PATH: /webhooks/<gateway>/mo/<secret>; BASE: a different multiple of 2,000,000 per wrk run
-- against the same instance (senders are BASE + thread * 1,000,000 + n, as 8491xxxxxxx).

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  base = tonumber(args[2])
  n = 0
end

function request()
  n = n + 1
  local k = base + tid * 1000000 + n
  local url = string.format(
    "%s?from=8491%07d&to=9029&text=HD+%d&id=wrk-%d-%d-%d&coding=0&charset=UTF-8",
    path, k % 10000000, k, base, tid, n)
  return wrk.format("GET", url)
end

-- One machine-readable line for bench/run: counts, errors and latency percentiles (microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad":0,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
