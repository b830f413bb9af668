-- SPDX-License-Identifier: BSD-3-Clause
-- wrk script of the hashmatchd / HMA benchmark (bench/run_hashmatchd.sh).
--   WRK_MODE=lookup  GET WRK_PATH?signal_type=pdq&signal=HEX, cycling through
--                    the hashes of WRK_QUERIES (one per line);
--   WRK_MODE=upload  POST WRK_PATH, multipart with one photo in the field
--                    "photo", cycling through the files WRK_PHOTOS names.
-- Each thread starts at a different place in the cycle. At the end it prints
-- one line: RESULT requests seconds rps p50_ms p99_ms max_ms n2xx n4xx n5xx
-- socket_errors (status counts summed over the threads).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for l in io.lines(path) do
    if l ~= "" then table.insert(out, l) end
  end
  return out
end

local reqs = {}
local pos = 1

function init(args)
  local mode = os.getenv("WRK_MODE") or "lookup"
  local path = os.getenv("WRK_PATH") or "/m/lookup"
  if mode == "lookup" then
    local sep = path:find("?", 1, true) and "&" or "?"
    for _, h in ipairs(lines(os.getenv("WRK_QUERIES"))) do
      table.insert(reqs, wrk.format("GET", path .. sep .. "signal_type=pdq&signal=" .. h))
    end
  else
    local b = "----hmabench7MA4YWxkTrZu0gW"
    for _, f in ipairs(lines(os.getenv("WRK_PHOTOS"))) do
      local fh = assert(io.open(f, "rb"))
      local data = fh:read("*a")
      fh:close()
      local body = "--" .. b .. "\r\n" ..
        'Content-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n' ..
        "Content-Type: image/jpeg\r\n\r\n" .. data .. "\r\n--" .. b .. "--\r\n"
      table.insert(reqs, wrk.format("POST", path,
        {["Content-Type"] = "multipart/form-data; boundary=" .. b}, body))
    end
  end
  pos = ((tid or 1) * 7919) % #reqs + 1
  n2, n4, n5 = 0, 0, 0
end

function request()
  local r = reqs[pos]
  pos = pos % #reqs + 1
  return r
end

function response(status, headers, body)
  if status >= 500 then n5 = n5 + 1
  elseif status >= 400 then n4 = n4 + 1
  else n2 = n2 + 1 end
end

function done(summary, latency, requests)
  local s2, s4, s5 = 0, 0, 0
  for _, t in ipairs(threads) do
    s2 = s2 + t:get("n2"); s4 = s4 + t:get("n4"); s5 = s5 + t:get("n5")
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT %d %.3f %.1f %.3f %.3f %.3f %d %d %d %d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    s2, s4, s5, e.connect + e.read + e.write + e.timeout))
end
