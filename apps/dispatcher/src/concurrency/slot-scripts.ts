/**
 * Lua scripts of the concurrency limiter. All keys are passed in, so each script touches only
 * declared keys. Layout (under `<prefix>`):
 * - `holders`  hash   runId → service ('' for docs runs): runs holding a slot (dispatched, not final)
 * - `services` hash   service → runId: the run using the service's workspace
 * - `waiting`  zset   runId scored by creation time (ms): runs waiting for a slot, oldest first
 * - `info`     hash   runId → {"service","reason"} of waiting runs
 * - `payloads` hash   runId → dispatch message of waiting and promoted runs (until dispatched)
 */

/**
 * Take a slot for a run, or queue it.
 * KEYS: 1 holders, 2 services, 3 waiting, 4 info, 5 payloads
 * ARGV: 1 runId, 2 service ('' = none), 3 cap (0 = unlimited), 4 score, 5 payload json
 * Returns {'acquired', ''} or {'waiting', reason} with reason 'workspace' | 'global'.
 */
export const ACQUIRE_SLOT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'acquired', ''} end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  local info = cjson.decode(redis.call('HGET', KEYS[4], ARGV[1]) or '{}')
  return {'waiting', info.reason or 'global'}
end
local reason = ''
if ARGV[2] ~= '' then
  local owner = redis.call('HGET', KEYS[2], ARGV[2])
  if owner and owner ~= ARGV[1] then reason = 'workspace' end
end
local cap = tonumber(ARGV[3])
if reason == '' and cap > 0 and redis.call('HLEN', KEYS[1]) >= cap then reason = 'global' end
if reason ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  redis.call('HSET', KEYS[4], ARGV[1], cjson.encode({service = ARGV[2], reason = reason}))
  redis.call('HSET', KEYS[5], ARGV[1], ARGV[5])
  return {'waiting', reason}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[1]) end
return {'acquired', ''}
`;

/**
 * Release a run's slot or waiting place (if any), then hand free slots to the oldest waiting runs
 * that can use them. Promoted runs hold their slot from here on; their payload stays until dispatched.
 * KEYS: 1 holders, 2 services, 3 waiting, 4 info, 5 payloads
 * ARGV: 1 runId ('' = only promote), 2 cap (0 = unlimited)
 * Returns {held (0|1), waited (0|1), promoted runIds...}
 */
export const RELEASE_SLOT = `
local held, waited = 0, 0
if ARGV[1] ~= '' then
  local service = redis.call('HGET', KEYS[1], ARGV[1])
  if service then
    held = 1
    redis.call('HDEL', KEYS[1], ARGV[1])
    if service ~= '' and redis.call('HGET', KEYS[2], service) == ARGV[1] then redis.call('HDEL', KEYS[2], service) end
  end
  waited = redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
end
local cap = tonumber(ARGV[2])
local count = redis.call('HLEN', KEYS[1])
local result = {held, waited}
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local info = cjson.decode(redis.call('HGET', KEYS[4], id) or '{}')
  local service = info.service or ''
  local reason = ''
  if service ~= '' and redis.call('HEXISTS', KEYS[2], service) == 1 then
    reason = 'workspace'
  elseif cap > 0 and count >= cap then
    reason = 'global'
  end
  if reason == '' then
    redis.call('HSET', KEYS[1], id, service)
    if service ~= '' then redis.call('HSET', KEYS[2], service, id) end
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    count = count + 1
    table.insert(result, id)
  elseif reason ~= info.reason then
    redis.call('HSET', KEYS[4], id, cjson.encode({service = service, reason = reason}))
  end
end
return result
`;
