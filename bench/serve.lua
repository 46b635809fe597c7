-- wrk script of bench/serve.py: POSTs the JSON bodies of the file named by
-- BENCH_BODIES (one per line), in turn, to /v1/label, and prints one line
-- "BENCH {json}" with counts and latency percentiles when done.
local reqs = {}
local n = 0

function init(args)
  local f = assert(io.open(os.getenv("BENCH_BODIES"), "r"))
  for line in f:lines() do
    reqs[#reqs + 1] = wrk.format("POST", "/v1/label", {["Content-Type"] = "application/json"}, line)
  end
  f:close()
  n = math.random(#reqs) - 1
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
