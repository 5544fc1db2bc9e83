-- POST one fixed JSON body on every request; report the run as one JSON line.
-- Usage: wrk -s bench/wrk/post.lua URL -- BODY_FILE [API_KEY]
-- done() prints `KORDON_RESULT {...}` with latencies in microseconds; bench/load.py parses it.
-- Non-2xx answers are counted by wrk itself (summary.errors.status counts status > 399), so
-- no response() callback is needed: defining one would make wrk hand every response to Lua.

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  if args[2] and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'KORDON_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d, "max_us": %d, '
      .. '"mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
