/**
 * The Redis directory store against the directory conformance suite, and the Entra ID and Okta
 * provisioning sequences replayed on it, on a real redis-server started for this file. Skipped
 * when redis-server is missing, except under CI=true.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { createRedisDirectoryStore, type DirectoryStore } from '../../src/scim.js';
import { directoryStoreConformance } from '../../src/testing/index.js';
import { replay, replayTenant, SCIM_FIXTURES } from '../helpers/scim-replay.js';
import { redisSkip, startRedis, type RedisServer } from '../integration/servers/redis.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');

describe('Redis directory store', { skip: redisSkip() }, () => {
  let server: RedisServer | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  const fresh = (): DirectoryStore => {
    assert.ok(client !== undefined, 'the Redis client is not connected');
    return createRedisDirectoryStore({ client, keyPrefix: `directory:${randomUUID()}:` });
  };

  before(async () => {
    server = await startRedis();
    client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
  });

  after(async () => {
    client?.destroy();
    await server?.destroy();
  });

  describe('conformance', () => {
    for (const c of directoryStoreConformance({ create: () => Promise.resolve(fresh()) }))
      it(c.name, () => c.run());
  });

  describe('provisioning sequences', () => {
    for (const name of SCIM_FIXTURES)
      it(`replays ${name}`, async () => {
        await replay(name, fresh(), replayTenant(certificate));
      });
  });
});
