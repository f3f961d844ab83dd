import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ prefix of its own per test, so tests share one Redis without seeing each other. */
export const testPrefix = (): string => `jt${randomBytes(5).toString('hex')}`;

export const connectRedis = (): Redis => new Redis(redisUrl, { maxRetriesPerRequest: null });

/**
 * Deletes every key under `prefix` in one atomic step: what FLUSHALL (or a restart without
 * persistence) looks like to one test's queues. A SCAN loop would not do: BullMQ writes keys between
 * its passes and leaves half-deleted states that a real flush never produces.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const deleted = await redis.eval(
    `local n = 0
     for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', key) end
     return n`,
    0,
    `${prefix}:*`,
  );
  return Number(deleted);
}
