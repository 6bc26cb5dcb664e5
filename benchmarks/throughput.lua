-- wrk script for benchmarks/throughput.py: one page (or one form POST) per run.
--   TP_PATH    the address to request (several, separated by spaces: taken in turn)
--   TP_COOKIE  the Cookie header (a signed-in session and a CSRF cookie), or empty
--   TP_CSRF    the CSRF token sent with POSTs (X-CSRFToken), the cookie's value
--   TP_BODY    a form body to POST (urlencoded); each request's IDEMPOTENCYKEY becomes a fresh UUID, so
--              every submission is a new one. Without TP_BODY the request is a GET.
-- At the end it prints one line, "THROUGHPUT {json}", which throughput.py reads.

local paths = {}
for each in string.gmatch(os.getenv("TP_PATH") or "/", "%S+") do table.insert(paths, each) end
local cookie = os.getenv("TP_COOKIE") or ""
local csrf = os.getenv("TP_CSRF") or ""
local body = os.getenv("TP_BODY") or ""

local threads = {}
local counter = 0
local turn = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

local function uuid4()
  counter = counter + 1
  return string.format(
    "%08x-%04x-4%03x-%04x-%04x%08x",
    math.random(0, 0x7fffffff), (thread_id or 0) % 0x10000, math.random(0, 0xfff),
    0x8000 + math.random(0, 0x3fff), math.random(0, 0xffff), counter
  )
end

function request()
  turn = turn % #paths + 1
  local path = paths[turn]
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if body == "" then
    return wrk.format("GET", path, headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-CSRFToken"] = csrf
  return wrk.format("POST", path, headers, (body:gsub("IDEMPOTENCYKEY", uuid4())))
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'THROUGHPUT {"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
