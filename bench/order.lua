-- wrk script for order.create: every request a new checkout (a fresh idempotency key) for one
-- unit of the bench product, whose stock the bench sets far above what a run can sell.
-- Each wrk thread has its own Lua state: its id (`tid`, from common.lua's setup) keeps the keys apart.
-- common.lua is loaded from this script's directory, wherever wrk runs.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

function init(args)
  -- A fresh run id (passed after --) keeps keys of earlier runs from being presented again.
  run_id = args[1] or "0"
  counter = 0
  product_id = os.getenv("BENCH_PRODUCT_ID") or "1"
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
end

function request()
  counter = counter + 1
  local key = string.format("bench-%s-%d-%d", run_id, tid, counter)
  return wrk.format(nil, nil, nil,
    '{"0":{"json":{"items":[{"productId":' .. product_id .. ',"quantity":1}],"idempotencyKey":"' .. key .. '"}}}')
end
