/**
 * What bench:import and bench:reads both set up: a freshly migrated database of their own, a
 * generated registry CSV with known bad lines, an NHS client with a token, and the environment the
 * apps run with (production mode, with a secret of the run's own, as operators run them).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import pg from 'pg';
import { signAccessToken } from '@jabba/domain/identity';
import { ensureServices } from '../../scripts/lib/services';
import { migrateDatabase } from '../../scripts/lib/database';

export const benchServer = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const benchRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Drops and migrates `name` on the bench server; answers its URL and a connected client. */
export async function freshDatabase(name: string): Promise<{ databaseUrl: string; db: pg.Client }> {
  await ensureServices({ databaseUrl: `${benchServer}/postgres`, redisUrl: benchRedisUrl });
  const admin = new pg.Client({ connectionString: `${benchServer}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  const databaseUrl = `${benchServer}/${name}`;
  await migrateDatabase(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return { databaseUrl, db };
}

const header = 'external_id,classification_type,description,manufacturer_name,manufacturer_country,model_number,part_number,packaging_type,packaging_count,packaging_unit,note,is_active,device_names.name,device_names.type,properties.type,properties.value_integer,properties.value_string';
const countries = ['UA', 'DE', 'PL', 'FR', 'US'];

/** `lines` records, a few with quoted fields; every `badEvery`-th fails validation (packaging_count 0). */
export async function writeRegistryCsv(path: string, lines: number, badEvery: number): Promise<{ bytes: number; bad: number }> {
  let bad = 0;
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = 1; i <= lines; i += 1) {
    const isBad = i % badEvery === 0;
    if (isBad) bad += 1;
    const line = `EXT-${i},IIa,"Sterile, single use device no. ${i}",Acme Medical,${countries[i % 5]},M-${i},P-${i % 1000},box,${isBad ? 0 : (i % 50) + 1},piece,,true,Device ${i}|Пристрій ${i},USER_PROVIDED|PATIENT_REPORTED,weight|colour,${i % 500}|,|white\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: (await stat(path)).size, bad };
}

/** An ACTIVE NHS client with a token that may upload and read, and the apps' environment. */
export async function benchClient(db: pg.Client, databaseUrl: string): Promise<{ clientId: string; token: string; env: Record<string, string> }> {
  const clientId = randomUUID();
  await db.query(`insert into clients (id, name, type, status) values ($1, 'Bench', 'NHS', 'ACTIVE')`, [clientId]);
  const jwtSecret = randomBytes(32).toString('hex');
  const token = await signAccessToken(jwtSecret, { userId: randomUUID(), clientId, scopes: ['device_registry:write', 'device_registry_job:read'] });
  const env = { DATABASE_URL: databaseUrl, REDIS_URL: benchRedisUrl, QUEUE_PREFIX: `bench${process.pid}`, NODE_ENV: 'production', AUTH_JWT_SECRET: jwtSecret };
  return { clientId, token, env };
}

/** Polls `check` every 100 ms until it answers something, or throws after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
