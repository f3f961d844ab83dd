/**
 * `npm start`: the whole platform on one development machine. Makes sure Postgres and Redis answer
 * (starting them from the machine's own binaries when it can), creates and migrates the database,
 * builds the console if its build is missing or stale (the api serves it at `/`), then runs the api
 * and one worker as child processes until Ctrl-C. One that crashes is restarted with a backoff
 * (scripts/lib/restart-backoff.ts) and a log line, while the other keeps running.
 *
 * The children write their log lines to our stdout: human-readable when it is a terminal (each line
 * says `[api]` or `[worker]`), JSON otherwise, so `npm start > log.json` or `npm start | jq` get
 * JSON; LOG_FORMAT set by the caller wins. What this script says for humans goes to stderr.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { directDatabaseUrl } from '@jabba/domain/platform';
import { appNodeArgs } from './lib/app-command';
import { ensureConsoleBuilt } from './lib/console-build';
import { migrateDatabase } from './lib/database';
import { exampleRequest, readScriptEnv, type ScriptEnv } from './lib/script-config';
import { defaultRestartPolicy } from './lib/restart-backoff';
import { ensureServices } from './lib/services';
import { supervise, type ChildSpec } from './lib/supervisor';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line = ''): void => void process.stderr.write(`${line}\n`);
const log = (message: string): void => say(`[start] ${message}`);

const readyTimeoutMs = 60_000;

/** The app as operators run it (scripts/lib/app-command.ts says why these arguments). */
function appCommand(name: string, entry: Parameters<typeof appNodeArgs>[0]): ChildSpec {
  if (!existsSync(`${root}node_modules/tsx/package.json`)) throw new Error('node_modules/tsx is missing; run `npm ci` first.');
  return { name, command: process.execPath, args: appNodeArgs(entry) };
}

/** Polls the api's readiness until it answers 200, the deadline passes, or the platform is stopping. */
async function waitUntilReady(url: string, stillRunning: () => boolean): Promise<boolean> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && stillRunning()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function printBanner(env: ScriptEnv): void {
  const base = `http://127.0.0.1:${env.PORT}`;
  say();
  say(`Jabba is running: ${base}  (GraphQL at ${base}/graphql, readiness at ${base}/ready)`);
  say(`The REST contract: ${base}/openapi.json, its reference at ${base}/docs. Metrics: ${base}/metrics and the worker's http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`);
  say(`The console is at that address: open ${base} in a browser and sign in (outside production, one button does it).`);
  say();
  say('Get a development token (creates a development NHS client and user, idempotent):');
  say('  export TOKEN=$(npm run -s jabba -- dev:setup)');
  say('or for a client and user of your own:');
  say('  npm run jabba -- client:add --name "My clinic" --type NHS');
  say('  npm run jabba -- role:add --user <user uuid> --client <client id> --role NHS_REVIEWER');
  say('  npm run jabba -- token --user <user uuid> --client <client id> --scope "device_registry:write device_registry_job:read"');
  say('Then:');
  for (const line of exampleRequest(env.PORT)) say(`  ${line}`);
  say();
  say('Ctrl-C stops the api and the worker; either one that crashes is restarted (1 s, doubling to 30 s).');
  say();
}

/**
 * One line while it builds. A failed build does not stop the platform: the APIs work without the
 * console, and the api answers 503 at `/` saying the console is not built.
 */
async function buildConsoleIfStale(): Promise<void> {
  try {
    const ms = await ensureConsoleBuilt({ onBuild: (reason) => void process.stderr.write(`[start] building the console (${reason}) …`) });
    if (ms !== null) say(` done in ${(ms / 1000).toFixed(1)} s`);
  } catch (error) {
    say();
    log(`the console did not build; the api will answer 503 at / until \`npm run build:console\` succeeds. ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(): Promise<number> {
  const env = readScriptEnv();
  // Postgres itself, not a PgBouncer DATABASE_URL may name: that is what may need starting, and migrating.
  const postgres = directDatabaseUrl(env);
  await ensureServices({ databaseUrl: postgres, redisUrl: env.REDIS_URL }, log);
  const applied = await migrateDatabase(postgres, { log });
  log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database is up to date');
  await buildConsoleIfStale();

  const children = [appCommand('api', 'apps/api/src/main.ts'), appCommand('worker', 'apps/worker/src/main.ts')];
  const logFormat = env.LOG_FORMAT ?? (process.stdout.isTTY && env.NODE_ENV !== 'production' ? 'pretty' : 'json');
  const platform = supervise(children, {
    cwd: root,
    env: { ...process.env, LOG_FORMAT: logFormat, WORKER_METRICS_PORT: String(env.WORKER_METRICS_PORT) },
    log,
    restart: defaultRestartPolicy,
  });

  const ready = await waitUntilReady(`http://127.0.0.1:${env.PORT}/ready`, () => !platform.stopping());
  if (ready) printBanner(env);
  else if (!platform.stopping()) log(`the api did not report ready within ${readyTimeoutMs / 1000} s; see its log lines above`);

  return platform.done;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
