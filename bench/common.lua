-- What the wrk scripts here share, loaded by each with dofile from its own directory. Each wrk
-- thread has its own Lua state: `tid` (1, 2, …), set in it by setup, keeps the threads' codes,
-- keys and lines apart.
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
