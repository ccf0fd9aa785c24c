/**
 * Lua scripts that make the run store's multi-key changes atomic.
 * Keys are built by the caller; ARGV carries JSON the script stores verbatim.
 */

/**
 * Create a run unless its idempotency key or single-flight key already points at a run.
 * KEYS: 1 run hash, 2 runs index (zset), 3 idempotency key, 4 single-flight key (or ""),
 *       5 a pointer key set to the new run's id (or "")
 * ARGV: 1 run json, 2 created-at ms, 3 run id, 4 idempotency ttl ms, 5 single-flight ttl ms,
 *       6 '1' to bind the idempotency key to an active run it collides with, 7 pointer ttl ms
 * Returns {"created", id} | {"duplicate", existingId} | {"active", activeId}
 */
export const CREATE_RUN = `
local existing = redis.call('GET', KEYS[3])
if existing then return {'duplicate', existing} end
if KEYS[4] ~= '' then
  local active = redis.call('GET', KEYS[4])
  if active then
    -- a redelivery of the same delivery must keep answering with the run it was given, even after that
    -- run ends (only for delivery keys: a retry's key must stay free for a later retry)
    if ARGV[6] == '1' then redis.call('SET', KEYS[3], active, 'PX', ARGV[4]) end
    return {'active', active}
  end
end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'v', 1)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[5]) end
if KEYS[5] ~= '' then redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[7]) end
return {'created', ARGV[3]}
`;

/**
 * Compare-and-set a run record, publish its event, and manage retention and the single-flight key.
 * KEYS: 1 run hash, 2 single-flight key (or "")
 * ARGV: 1 expected version, 2 new json, 3 event json (or ""), 4 channel, 5 ttl ms when terminal (or ""),
 *       6 run id (to release the single-flight key only if it is ours)
 * Returns 1 on success, 0 on a version conflict, -1 when the run is gone.
 */
export const UPDATE_RUN = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'v', tonumber(v) + 1)
if ARGV[5] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[6] then redis.call('DEL', KEYS[2]) end
end
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[3]) end
return 1
`;
