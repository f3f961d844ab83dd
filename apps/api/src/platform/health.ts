/**
 * Liveness and readiness. `/health` touches nothing, so an orchestrator never restarts a healthy
 * process because Postgres is slow; `/ready` checks both dependencies, so traffic is withheld (not
 * the process killed) while one of them is away.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlOf, type RedisConnection } from '@jabba/domain/platform';
import { problemTypeBase, reasonPhrase } from './error-tables';
import { problemResponse } from './problems';
import { createRoute, documented, jsonResponse, openApiRoutes, problems, type OpenApiRoutes, z } from './openapi';

export interface ReadinessDeps {
  orm: MikroORM;
  redis: RedisConnection;
}

export type CheckResult = 'ok' | 'failed' | 'timeout';

export interface Readiness {
  postgres: CheckResult;
  redis: CheckResult;
}

// A probe is retried every few seconds; a dependency slower than this is as good as down for the
// requests that would follow, and a probe must answer before the orchestrator's own timeout.
export const readinessTimeoutMs = 1000;

class CheckTimeout extends Error {}

async function check(run: () => Promise<unknown>, timeoutMs: number, onError: (error: unknown) => void): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), timeoutMs);
  });
  try {
    await Promise.race([run(), deadline]);
    return 'ok';
  } catch (error) {
    if (error instanceof CheckTimeout) return 'timeout';
    onError(error);
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(
  { orm, redis }: ReadinessDeps,
  onError: (dependency: keyof Readiness, error: unknown) => void,
  timeoutMs = readinessTimeoutMs,
): Promise<Readiness> {
  // A check that loses the race keeps running in the background; Promise.race has subscribed to
  // it, so its late rejection is handled rather than reported as unhandled.
  const [postgres, redisResult] = await Promise.all([
    check(() => sqlOf(orm.em).query('select 1'), timeoutMs, (e) => onError('postgres', e)),
    check(() => redis.ping(), timeoutMs, (e) => onError('redis', e)),
  ]);
  return { postgres, redis: redisResult };
}

const tags = ['Operations'];
const checkResult = z.enum(['ok', 'failed', 'timeout']);

const health = createRoute({
  method: 'get', path: '/health', tags, summary: 'Liveness: the process answers (touches nothing)',
  responses: { 200: jsonResponse(z.strictObject({ status: z.literal('ok') }), 'Alive') },
});

const ready = createRoute({
  method: 'get', path: '/ready', tags, summary: 'Readiness: Postgres and Redis answer',
  responses: {
    200: jsonResponse(z.strictObject({ status: z.literal('ready'), postgres: checkResult, redis: checkResult }), 'Ready'),
    ...problems(503),
  },
});

export function healthRoutes(deps: ReadinessDeps): OpenApiRoutes {
  const routes = openApiRoutes();

  documented(routes, health, (c) => c.json({ status: 'ok' }));

  documented(routes, ready, async (c) => {
    const readiness = await checkReadiness(deps, (dependency, error) =>
      c.var.logger.warn({ err: error, dependency }, 'readiness check failed'),
    );
    const failing = (Object.keys(readiness) as (keyof Readiness)[]).filter((k) => readiness[k] !== 'ok');
    if (failing.length === 0) return c.json({ status: 'ready', ...readiness });
    return problemResponse({
      type: `${problemTypeBase}not-ready`,
      title: reasonPhrase(503),
      status: 503,
      detail: `Not ready: ${failing.map((k) => `${k} ${readiness[k]}`).join(', ')}.`,
      requestId: c.var.requestId,
      checks: readiness,
    });
  });

  return routes;
}
