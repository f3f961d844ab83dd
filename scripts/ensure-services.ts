/**
 * `npx tsx scripts/ensure-services.ts`: makes sure Postgres and Redis answer at DATABASE_URL and
 * REDIS_URL (local defaults), starting them from the machine's own packages when they are local.
 * .ci/run calls it before the tests, so a stopped service fails CI with one sentence, not with a
 * wall of connection errors from every test file.
 */
import { baseEnvSchema, parseEnv } from '@jabba/domain/platform';
import { ensureServices } from './lib/services';

try {
  const env = parseEnv(baseEnvSchema.pick({ DATABASE_URL: true, REDIS_URL: true }), process.env);
  await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
  const where = (url: string) => new URL(url).host;
  console.error(`[services] PostgreSQL at ${where(env.DATABASE_URL)} and Redis at ${where(env.REDIS_URL)} are up`);
} catch (error) {
  console.error(`[services] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
