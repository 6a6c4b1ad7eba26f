-- wrk script of scripts/soak.sh: sends a mix of CORS requests round-robin and checks every
-- answer against what the server's policy must answer. The server (integration/examples/soak_server.rs)
-- copies each request's `x-kind` header into the response, so that an answer is checked against
-- the request it answers.
--
-- Environment: SOAK_MODE (tower-cors, tower-cors-reload, tower-http, bare), SOAK_PORT.
--
-- tower-cors: every kind has one right answer (status, Access-Control-Allow-Origin, Vary, and the
-- other grant headers where they matter, each exact or absent). tower-cors-reload: the server
-- swaps policy A and policy B every 100 ms; they differ only on `https://partner.example.com`,
-- whose answer may be either policy's (and both must be seen); every other kind has one answer.
-- tower-http and bare: the comparison runs, checked for status 200 (neither blocks nor refuses
-- with a status) and for the echoed kind only.
--
-- done() prints one `kind` line per kind and one `summary` line, which soak.sh reads.

local mode = os.getenv("SOAK_MODE") or "tower-cors"
local port = os.getenv("SOAK_PORT") or "28090"
local own = "http://127.0.0.1:" .. port
local host = "127.0.0.1:" .. port
local path = "/api/items"

local APP = "https://app.example.com"
local PARTNER = "https://partner.example.com"
local EVIL = "https://evil.example"
local MERGED = "accept-encoding, origin"
local PREFLIGHT_VARY = "origin, access-control-request-method, access-control-request-headers"

-- A raw HTTP/1.1 request: wrk.format cannot send a header twice or an absolute-form target.
local function raw(kind, method, target, lines, body)
  local r = method .. " " .. target .. " HTTP/1.1\r\nHost: " .. host .. "\r\nx-kind: " .. kind .. "\r\n"
  for _, line in ipairs(lines) do
    r = r .. line .. "\r\n"
  end
  if body then
    r = r .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
  else
    r = r .. "\r\n"
  end
  return r
end

-- Expected answers. `false` means the header must be absent.
local function granted_actual(origin)
  return {
    status = 200,
    headers = {
      ["access-control-allow-origin"] = origin,
      ["access-control-expose-headers"] = "x-request-id",
      ["access-control-allow-methods"] = false,
      ["vary"] = MERGED,
    },
  }
end
local not_cors = {
  status = 200,
  headers = { ["access-control-allow-origin"] = false, ["access-control-expose-headers"] = false, ["vary"] = MERGED },
}
local blocked = {
  status = 403,
  headers = { ["access-control-allow-origin"] = false, ["access-control-expose-headers"] = false, ["vary"] = "origin" },
}
local granted_preflight = {
  status = 204,
  headers = {
    ["access-control-allow-origin"] = APP,
    ["access-control-allow-methods"] = "PUT",
    ["access-control-allow-headers"] = "content-type,x-custom",
    ["access-control-max-age"] = "600",
    ["access-control-expose-headers"] = false,
    ["vary"] = PREFLIGHT_VARY,
  },
}
local refused_preflight = {
  status = 403,
  headers = {
    ["access-control-allow-origin"] = false,
    ["access-control-allow-methods"] = false,
    ["access-control-allow-headers"] = false,
    ["access-control-max-age"] = false,
    ["vary"] = PREFLIGHT_VARY,
  },
}

local oversized_origin = "https://" .. string.rep("a", 600) .. ".example"
local oversized_list = string.rep("x-custom,", 512) .. "content-type"

-- name, request, policy A's answer, policy B's answer (nil: the same as A's).
local kinds = {
  { "plain_get", { "GET", path, {} }, not_cors },
  { "allowed_get", { "GET", path, { "Origin: " .. APP } }, granted_actual(APP) },
  { "refused_get", { "GET", path, { "Origin: " .. EVIL } }, blocked },
  { "allowed_preflight", { "OPTIONS", path, { "Origin: " .. APP, "Access-Control-Request-Method: PUT",
      "Access-Control-Request-Headers: content-type,x-custom" } }, granted_preflight },
  { "refused_preflight_origin", { "OPTIONS", path, { "Origin: " .. EVIL, "Access-Control-Request-Method: PUT" } },
    refused_preflight },
  { "refused_preflight_method", { "OPTIONS", path, { "Origin: " .. APP, "Access-Control-Request-Method: DELETE" } },
    refused_preflight },
  { "same_origin_post_fetch_site", { "POST", path, { "Origin: " .. own, "Sec-Fetch-Site: same-origin",
      "Content-Type: text/plain" }, "x" }, not_cors },
  { "same_origin_post_absolute_uri", { "POST", own .. path, { "Origin: " .. own, "Content-Type: text/plain" }, "x" },
    not_cors },
  { "cross_origin_post", { "POST", path, { "Origin: " .. EVIL, "Content-Type: text/plain" }, "x" }, blocked },
  { "malformed_origin", { "GET", path, { "Origin: " .. APP .. "/" } }, blocked },
  { "oversized_origin", { "GET", path, { "Origin: " .. oversized_origin } }, blocked },
  { "two_origin_lines", { "GET", path, { "Origin: " .. APP, "Origin: " .. APP } }, blocked },
  { "malformed_request_headers", { "OPTIONS", path, { "Origin: " .. APP, "Access-Control-Request-Method: PUT",
      "Access-Control-Request-Headers: content-type,bad header" } }, refused_preflight },
  { "oversized_request_headers", { "OPTIONS", path, { "Origin: " .. APP, "Access-Control-Request-Method: PUT",
      "Access-Control-Request-Headers: " .. oversized_list } }, refused_preflight },
  -- The one kind whose answer depends on the policy in force.
  { "partner_get", { "GET", path, { "Origin: " .. PARTNER } }, granted_actual(PARTNER), blocked },
}

local comparison = mode == "tower-http" or mode == "bare"
local reload = mode == "tower-cors-reload"
local requests, index = {}, {}
for i, k in ipairs(kinds) do
  local name, req = k[1], k[2]
  requests[i] = raw(name, req[1], req[2], req[3], req[4])
  index[name] = i
  if comparison then
    k[3], k[4] = { status = 200, headers = {} }, nil
  elseif not reload then
    k[4] = nil
  end
end

local function matches(expected, status, headers)
  if status ~= expected.status then
    return false
  end
  for name, value in pairs(expected.headers) do
    local got = headers[name]
    if value == false then
      if got ~= nil then
        return false
      end
    elseif got ~= value then
      return false
    end
  end
  return true
end

local function describe(status, headers)
  local s = tostring(status)
  for name, value in pairs(headers) do
    if name == "vary" or name:sub(1, 15) == "access-control-" then
      s = s .. " " .. name .. "=" .. value
    end
  end
  return s
end

-- Per-thread counters (each wrk thread has its own Lua state); done() sums them.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent, seen, wrong, by_a, by_b, unknown, sample = 0, {}, {}, {}, {}, 0, ""
  for i = 1, #kinds do
    seen[i], wrong[i], by_a[i], by_b[i] = 0, 0, 0, 0
  end
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  local i = index[headers["x-kind"] or ""]
  if i == nil then
    unknown = unknown + 1
    return
  end
  seen[i] = seen[i] + 1
  local k = kinds[i]
  local a = matches(k[3], status, headers)
  local b = k[4] ~= nil and matches(k[4], status, headers)
  if a then
    by_a[i] = by_a[i] + 1
  end
  if b then
    by_b[i] = by_b[i] + 1
  end
  if not a and not b then
    wrong[i] = wrong[i] + 1
    if sample == "" then
      sample = k[1] .. ": " .. describe(status, headers)
    end
  end
end

function done(summary, latency, requests_)
  local total_seen, total_wrong, total_unknown, samples = {}, {}, 0, {}
  local total_a, total_b = {}, {}
  for i = 1, #kinds do
    total_seen[i], total_wrong[i], total_a[i], total_b[i] = 0, 0, 0, 0
  end
  for _, t in ipairs(threads) do
    local s, w, a, b = t:get("seen"), t:get("wrong"), t:get("by_a"), t:get("by_b")
    for i = 1, #kinds do
      total_seen[i] = total_seen[i] + s[i]
      total_wrong[i] = total_wrong[i] + w[i]
      total_a[i] = total_a[i] + a[i]
      total_b[i] = total_b[i] + b[i]
    end
    total_unknown = total_unknown + t:get("unknown")
    local sm = t:get("sample")
    if sm ~= "" then
      table.insert(samples, sm)
    end
  end
  local answered = 0
  for i, k in ipairs(kinds) do
    answered = answered + total_seen[i]
    io.write(string.format("kind %s seen=%d wrong=%d policy_a=%d policy_b=%d two_answers=%s\n", k[1], total_seen[i],
      total_wrong[i], total_a[i], total_b[i], tostring(k[4] ~= nil)))
  end
  for _, sm in ipairs(samples) do
    io.write("first_wrong " .. sm .. "\n")
  end
  local e = summary.errors
  io.write(string.format(
    "summary requests=%d answered=%d unknown=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, answered, total_unknown, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.timeout))
end
