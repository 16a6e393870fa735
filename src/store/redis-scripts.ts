/**
 * The Lua scripts of the Redis store: every operation that reads or writes several keys runs as one
 * script, so it is atomic without MULTI on the app's shared connection.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, for `EVALSHA` with a fall back to `EVAL`. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The server's clock in milliseconds (`TIME` is allowed before writes: scripts replicate effects). */
const LUA_NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/** KEYS: request, index. ARGV: prefix, tenant ID, request ID, JSON, deadline (ms). */
export const SAVE_REQUEST = script(`${LUA_NOW}
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= ARGV[2] then
  redis.call('DEL', ARGV[1] .. 'req:' .. #previous .. ':' .. previous .. ':' .. ARGV[3])
end
if tonumber(ARGV[5]) <= now then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[4], 'PXAT', ARGV[5])
redis.call('SET', KEYS[2], ARGV[2], 'PXAT', ARGV[5])
return 1
`);

/** KEYS: index. ARGV: prefix, request ID. */
export const FIND_REQUEST = script(`local tenant = redis.call('GET', KEYS[1])
if not tenant then return false end
return redis.call('GET', ARGV[1] .. 'req:' .. #tenant .. ':' .. tenant .. ':' .. ARGV[2])
`);

/** KEYS: request (of this tenant), index. ARGV: tenant ID. */
export const CONSUME_REQUEST = script(`local value = redis.call('GETDEL', KEYS[1])
if value and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return value
`);

/**
 * KEYS: replay entry. ARGV: deadline (ms). A `SET … NX PXAT` behind a check of the server's clock:
 * Redis answers OK to a deadline already past and stores nothing, which would read as "first use".
 */
export const REMEMBER = script(`${LUA_NOW}
if tonumber(ARGV[1]) <= now then return 0 end
if redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1]) then return 1 end
return 0
`);

/**
 * Drops a stored tenant's (its JSON) issuer index entry, and the `domain:` keys an earlier samlkit
 * (schema 1, where a claim routed at once) wrote for it: they mean nothing now and go on the next
 * put or delete.
 */
const LUA_UNINDEX = `local function unindex(prefix, id, json)
  local tenant = cjson.decode(json)
  local domains = tenant['emailDomains']
  if type(domains) == 'table' then
    for _, domain in ipairs(domains) do
      local lower = string.gsub(domain, '[A-Z]', function (c) return string.char(string.byte(c) + 32) end)
      local key = prefix .. 'domain:' .. lower
      if redis.call('GET', key) == id then redis.call('DEL', key) end
    end
  end
  local idp = tenant['idp']
  if type(idp) == 'table' and type(idp['entityId']) == 'string' then
    redis.call('SREM', prefix .. 'issuer:' .. idp['entityId'], id)
  end
end
`;

/**
 * KEYS: tenant, tenant set, issuer set, claims hash. ARGV: prefix, ID, JSON, then pairs of a domain
 * (lower-case) and a fresh token. Claims of listed domains are kept (state and token) or created
 * pending with the fresh token; claims of other domains go, freeing a domain this tenant verified.
 */
export const PUT_TENANT = script(`${LUA_UNINDEX}
local previous = redis.call('GET', KEYS[1])
if previous then unindex(ARGV[1], ARGV[2], previous) end
local listed = {}
for i = 4, #ARGV, 2 do listed[ARGV[i]] = true end
local existing = redis.call('HKEYS', KEYS[4])
for _, domain in ipairs(existing) do
  if not listed[domain] then
    local verified = ARGV[1] .. 'verified:' .. domain
    if redis.call('GET', verified) == ARGV[2] then redis.call('DEL', verified) end
    redis.call('HDEL', KEYS[4], domain)
  end
end
for i = 4, #ARGV, 2 do
  redis.call('HSETNX', KEYS[4], ARGV[i], cjson.encode({ token = ARGV[i + 1] }))
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`);

/** KEYS: tenant, tenant set, claims hash. ARGV: prefix, ID. */
export const DELETE_TENANT = script(`${LUA_UNINDEX}
local previous = redis.call('GET', KEYS[1])
if not previous then return 0 end
unindex(ARGV[1], ARGV[2], previous)
for _, domain in ipairs(redis.call('HKEYS', KEYS[3])) do
  local verified = ARGV[1] .. 'verified:' .. domain
  if redis.call('GET', verified) == ARGV[2] then redis.call('DEL', verified) end
end
redis.call('DEL', KEYS[1], KEYS[3], ARGV[1] .. 'setup:' .. ARGV[2])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);

/**
 * KEYS: claims hash, verified key of the domain. ARGV: tenant ID, domain, the verification as
 * JSON (or '' to make the claim pending). Returns false (no such claim), `{ 'held', holder }`
 * (another tenant holds it verified: nothing written) or `{ 'ok', claim JSON }`.
 */
export const SET_VERIFICATION = script(`local stored = redis.call('HGET', KEYS[1], ARGV[2])
if not stored then return false end
local token = cjson.decode(stored)['token']
local holder = redis.call('GET', KEYS[2])
local claim = { token = token }
if ARGV[3] ~= '' then
  if holder and holder ~= ARGV[1] then return { 'held', holder } end
  claim = cjson.decode(ARGV[3])
  claim['token'] = token
  redis.call('SET', KEYS[2], ARGV[1])
elseif holder == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
local encoded = cjson.encode(claim)
redis.call('HSET', KEYS[1], ARGV[2], encoded)
return { 'ok', encoded }
`);

/** KEYS: a set of tenant IDs. ARGV: prefix. The JSON of each tenant in the set. */
export const TENANTS_IN_SET = script(`local ids = redis.call('SMEMBERS', KEYS[1])
local found = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. 'tenant:' .. id)
  if json then found[#found + 1] = json end
end
return found
`);

/** KEYS: the domain's verified key. ARGV: prefix. The JSON of the tenant that holds it verified. */
export const TENANT_OF_DOMAIN = script(`local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. 'tenant:' .. id)
`);

/**
 * Single Logout sessions. KEYS: session, NameID index. ARGV: prefix, tenant ID, app session ID,
 * JSON, deadline (ms). The index (a set of app session IDs) lives as long as its longest session;
 * a replaced session leaves the index of its old NameID.
 */
export const SAVE_SESSION = script(`${LUA_NOW}
local old = redis.call('GET', KEYS[1])
if old then
  local name = cjson.decode(old).nameId
  redis.call('SREM', ARGV[1] .. 'sessidx:' .. #ARGV[2] .. ':' .. ARGV[2] .. ':' .. name, ARGV[3])
  redis.call('DEL', KEYS[1])
end
local deadline = tonumber(ARGV[5])
if deadline <= now then return 0 end
redis.call('SET', KEYS[1], ARGV[4], 'PXAT', ARGV[5])
redis.call('SADD', KEYS[2], ARGV[3])
local left = redis.call('PTTL', KEYS[2])
if left < 0 or now + left < deadline then redis.call('PEXPIREAT', KEYS[2], ARGV[5]) end
return 1
`);

/** KEYS: NameID index. ARGV: prefix, tenant ID. The sessions still there; gone ones leave the index. */
export const FIND_SESSIONS = script(`local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local value = redis.call('GET', ARGV[1] .. 'sess:' .. #ARGV[2] .. ':' .. ARGV[2] .. ':' .. id)
  if value then out[#out + 1] = value else redis.call('SREM', KEYS[1], id) end
end
return out
`);

/** KEYS: session. ARGV: prefix, tenant ID, app session ID. Fetch-and-delete, and out of its index. */
export const DELETE_SESSION = script(`local value = redis.call('GETDEL', KEYS[1])
if value then
  local name = cjson.decode(value).nameId
  redis.call('SREM', ARGV[1] .. 'sessidx:' .. #ARGV[2] .. ':' .. ARGV[2] .. ':' .. name, ARGV[3])
end
return value
`);

/**
 * The setup flow (staged IdP configuration). KEYS: tenant, setup hash. Returns false (no tenant) or
 * `{ tenant JSON, version, record JSON or '' }`.
 */
export const SETUP_READ = script(`local tenant = redis.call('GET', KEYS[1])
if not tenant then return false end
local setup = redis.call('HMGET', KEYS[2], 'v', 'r')
return { tenant, setup[1] or '0', setup[2] or '' }
`);

/**
 * KEYS: tenant, setup hash, issuer set of the stored IdP, issuer set of the new one. ARGV: the
 * tenant JSON and setup version read, the new record JSON, the new tenant JSON ('' to keep it),
 * the tenant ID. Writes only when neither changed since they were read (compare and set): 1, else 0.
 */
export const SETUP_WRITE = script(`if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if (redis.call('HGET', KEYS[2], 'v') or '0') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'v', tostring(tonumber(ARGV[2]) + 1), 'r', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4])
  redis.call('SREM', KEYS[3], ARGV[5])
  redis.call('SADD', KEYS[4], ARGV[5])
end
return 1
`);
