-- wrk script for POST /webhooks/wechatpay: replays WeChat Pay notifications that bench/notify.mjs
-- signed in advance, so that wrk only sends bytes. Arguments after --: the file (one notification
-- a line: timestamp, nonce, signature and body, tab-separated), the key's serial, wrk's thread count.
-- Each notification must go out once (the server refuses a nonce it has seen): thread n of N takes
-- lines n, n + N, n + 2N… The file holds more than a run can send; were it ever exhausted, the
-- requests would start over and the server's 401s would show as non-2xx in the report.
-- `tid`: this thread's id, from common.lua's setup (loaded from this script's directory, wherever wrk runs).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

function init(args)
  local file, serial, threads = args[1], args[2], tonumber(args[3])
  -- Formatted here, before wrk starts its clock: request() then only hands out a string.
  requests = {}
  local line_number = 0
  for line in io.lines(file) do
    if line_number % threads == tid - 1 then
      local timestamp, nonce, signature, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["Wechatpay-Timestamp"] = timestamp,
        ["Wechatpay-Nonce"] = nonce,
        ["Wechatpay-Signature"] = signature,
        ["Wechatpay-Serial"] = serial,
        ["Wechatpay-Signature-Type"] = "WECHATPAY2-SHA256-RSA2048",
      }, body)
    end
    line_number = line_number + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end
