import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ prefix of its own per test, so tests share one Redis without seeing each other. */
export const testPrefix = (): string => `jt${randomBytes(5).toString('hex')}`;

export const connectRedis = (): Redis => new Redis(redisUrl, { maxRetriesPerRequest: null });

/** Deletes every key under `prefix`: what a Redis flush looks like to one test's queues. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
