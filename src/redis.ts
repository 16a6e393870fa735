/**
 * `samlkit/redis`: the Redis store, for applications that run on several instances. Kept out of the
 * main entry so that importing `samlkit` never loads a Redis client; the driver (`redis`, or
 * ioredis through a one-line shim) is an optional peer dependency that the application installs
 * and connects itself.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createRedisStore } from 'samlkit/redis';
 *
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * client.on('error', (error) => log.warn({ error }, 'redis'));
 * await client.connect();
 * const store = createRedisStore({ client, keyPrefix: 'myapp:saml:' });
 * ```
 *
 * @module
 */
export {
  createRedisStore,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  type RedisCommandClient,
  type RedisStore,
  type RedisStoreOptions,
} from './store/redis.js';
