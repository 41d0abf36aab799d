-- wrk script for auth.login: every request a fresh, single-use code. The WeChat mock accepts
-- "bench-<user>:<nonce>" as freshly issued (--bench-code-prefix), so no code is asked for first.
-- Each wrk thread has its own Lua state: its id (`tid`, from common.lua's setup) keeps the codes apart.
-- common.lua is loaded from this script's directory, wherever wrk runs.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

function init(args)
  -- A fresh run id (passed after --) keeps codes of earlier runs from being presented again.
  run_id = args[1] or "0"
  counter = 0
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
end

function request()
  counter = counter + 1
  local code = string.format("bench-user%d:%s-%d-%d", counter % 500, run_id, tid, counter)
  return wrk.format(nil, nil, nil, '{"0":{"json":{"code":"' .. code .. '"}}}')
end
