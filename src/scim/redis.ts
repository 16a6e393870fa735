/**
 * The directory store in Redis, through the application's own client (the same contract as the
 * Redis state store): every write is one Lua script, so it is atomic on the server.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { compare } from '../store/arguments.js';
import type { RedisCommandClient } from '../store/redis.js';
import {
  checkRecord,
  checkScope,
  recordFrom,
  type DirectoryRecord,
  type DirectoryStore,
  type DirectoryWriteResult,
} from './store.js';
import { isWellFormed } from '../internal/text.js';

/** Options of {@link createRedisDirectoryStore}. */
export interface RedisDirectoryStoreOptions {
  /** The application's connected client (node-redis, or the ioredis shim of `createRedisStore`). */
  readonly client: RedisCommandClient;
  /** Put before every key; not empty, no whitespace. Default `samlkit:`. */
  readonly keyPrefix?: string;
}

interface Script {
  readonly source: string;
  readonly sha: string;
}
function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** KEYS: record, id set, unique keys…. ARGV: record JSON, id, key names… (aligned with KEYS[3…]). */
const INSERT = script(`if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {'key', ARGV[i]} end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[2]) end
return {'ok'}
`);

/**
 * KEYS: record, id set, new unique keys…. ARGV: record JSON, id, expected stored version, prefix of
 * unique keys, then the new key names (ARGV[5…] aligned with KEYS[3…]).
 */
const UPDATE = script(`local old = redis.call('GET', KEYS[1])
if not old then return {'version'} end
local stored = cjson.decode(old)
if tostring(stored['version']) ~= ARGV[3] then return {'version'} end
for i = 3, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder and holder ~= ARGV[2] then return {'key', ARGV[i + 2]} end
end
for _, key in ipairs(stored['keys']) do
  local name = ARGV[4] .. key
  if redis.call('GET', name) == ARGV[2] then redis.call('DEL', name) end
end
redis.call('SET', KEYS[1], ARGV[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[2]) end
return {'ok'}
`);

/** KEYS: record, id set. ARGV: prefix of unique keys, id. */
const DELETE = script(`local old = redis.call('GET', KEYS[1])
if not old then return 0 end
local stored = cjson.decode(old)
for _, key in ipairs(stored['keys']) do
  local name = ARGV[1] .. key
  if redis.call('GET', name) == ARGV[2] then redis.call('DEL', name) end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: id set. ARGV: prefix of records. */
const LIST = script(`local ids = redis.call('SMEMBERS', KEYS[1])
local found = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. id)
  if json then found[#found + 1] = json end
end
return found
`);

/** KEYS: unique key. ARGV: prefix of records. */
const FIND = script(`local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`);

/**
 * A {@link DirectoryStore} in Redis (6.2 or newer, not Cluster: a write touches several keys).
 * Keys, under `keyPrefix`: `dir:<n>:<tenant>:<type>:rec:<id>` (the record as JSON),
 * `…:ids` (a set of IDs) and `…:key:<unique key>` (the ID holding it), where `<n>` is the tenant
 * ID's length in UTF-8 bytes, so no two tenants share a key. Strings with lone surrogates have no
 * UTF-8 form: writing one throws a `TypeError`, looking one up finds nothing.
 *
 * @example
 * ```ts
 * const directory = createRedisDirectoryStore({ client, keyPrefix: 'myapp:saml:' });
 * ```
 * @throws TypeError when `client` has no `sendCommand` or `keyPrefix` is empty or holds whitespace.
 */
export function createRedisDirectoryStore(options: RedisDirectoryStoreOptions): DirectoryStore {
  const client = (options as Partial<RedisDirectoryStoreOptions> | undefined)?.client;
  if (typeof client?.sendCommand !== 'function')
    throw new TypeError('options.client must be a connected Redis client with sendCommand');
  const prefix = options.keyPrefix ?? 'samlkit:';
  if (typeof prefix !== 'string' || prefix === '' || /\s/u.test(prefix) || !isWellFormed(prefix))
    throw new TypeError('options.keyPrefix must be a non-empty string without whitespace');
  let closed = false;

  const scope = (tenantId: string, type: string): string =>
    `${prefix}dir:${Buffer.byteLength(tenantId)}:${tenantId}:${type}:`;

  async function send(args: [string, ...string[]]): Promise<unknown> {
    if (closed) {
      fail('STORE_UNAVAILABLE', 'The Redis directory store is closed', {
        hint: 'The application used its directory store after closing it (during shutdown?).',
      });
    }
    try {
      return await Promise.resolve().then(() => client?.sendCommand(args));
    } catch (cause) {
      if (cause instanceof SamlError) throw cause;
      if (cause instanceof Error && cause.message.startsWith('NOSCRIPT')) throw cause;
      throw new SamlError('STORE_UNAVAILABLE', 'The Redis directory store could not complete the command', {
        hint: 'Check that Redis (6.2 or newer) is up and reachable by the client given to the store; `cause` holds the client’s error.',
        cause,
      });
    }
  }

  async function run(lua: Script, keys: string[], args: string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await send(['EVALSHA', lua.sha, ...rest]);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    }
    return send(['EVAL', lua.source, ...rest]);
  }

  function parse(reply: unknown): DirectoryRecord {
    if (typeof reply !== 'string') unexpected();
    let value: unknown;
    try {
      value = JSON.parse(reply);
    } catch {
      value = undefined;
    }
    return recordFrom(value, 'record');
  }

  function written(reply: unknown, record: DirectoryRecord): DirectoryWriteResult {
    if (!Array.isArray(reply) || typeof reply[0] !== 'string') unexpected();
    const [status, key] = reply as [string, unknown];
    if (status === 'ok') return { ok: true, record: recordFrom(record, 'record') };
    if (status === 'key')
      return { ok: false, reason: 'key', ...(typeof key === 'string' && { conflictingKey: key }) };
    return { ok: false, reason: status === 'exists' ? 'exists' : 'version' };
  }

  function requireWellFormed(record: DirectoryRecord): void {
    for (const value of [record.tenantId, record.id, ...record.keys])
      if (!isWellFormed(value))
        throw new TypeError('directory IDs and keys must be well-formed Unicode to be Redis keys');
  }

  return {
    async get(tenantId, type, id) {
      checkScope(tenantId, type, id);
      if (!isWellFormed(tenantId) || !isWellFormed(id)) return undefined;
      const reply = await send(['GET', `${scope(tenantId, type)}rec:${id}`]);
      return reply === null || reply === undefined ? undefined : parse(reply);
    },
    async findByKey(tenantId, type, key) {
      checkScope(tenantId, type, key, 'key');
      if (!isWellFormed(tenantId) || !isWellFormed(key)) return undefined;
      const base = scope(tenantId, type);
      const reply = await run(FIND, [`${base}key:${key}`], [`${base}rec:`]);
      return reply === null || reply === undefined ? undefined : parse(reply);
    },
    async list(tenantId, type) {
      checkScope(tenantId, type, '-');
      if (!isWellFormed(tenantId)) return [];
      const base = scope(tenantId, type);
      const reply = await run(LIST, [`${base}ids`], [`${base}rec:`]);
      if (!Array.isArray(reply)) unexpected();
      return (reply as unknown[]).map(parse).sort((a, b) => compare(a.id, b.id));
    },
    async insert(record) {
      checkRecord(record);
      if (record.version !== 1) throw new TypeError('record.version must be 1 for insert');
      requireWellFormed(record);
      const base = scope(record.tenantId, record.type);
      const reply = await run(
        INSERT,
        [`${base}rec:${record.id}`, `${base}ids`, ...record.keys.map((key) => `${base}key:${key}`)],
        [JSON.stringify(record), record.id, ...record.keys],
      );
      return written(reply, record);
    },
    async update(record) {
      checkRecord(record);
      requireWellFormed(record);
      const base = scope(record.tenantId, record.type);
      const reply = await run(
        UPDATE,
        [`${base}rec:${record.id}`, `${base}ids`, ...record.keys.map((key) => `${base}key:${key}`)],
        [JSON.stringify(record), record.id, String(record.version - 1), `${base}key:`, ...record.keys],
      );
      return written(reply, record);
    },
    async delete(tenantId, type, id) {
      checkScope(tenantId, type, id);
      if (!isWellFormed(tenantId) || !isWellFormed(id)) return false;
      const base = scope(tenantId, type);
      const reply = await run(DELETE, [`${base}rec:${id}`, `${base}ids`], [`${base}key:`, id]);
      return reply === 1;
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

function unexpected(): never {
  fail('STORE_UNAVAILABLE', 'Redis sent a reply the directory store does not understand', {
    hint: 'The Redis client must return strings and numbers as they are: no Buffer type mapping, no client-level key prefix.',
  });
}
