import { describe, expect, it } from 'vitest';
import { ConfigError } from '@jabba/domain/platform';
import { developmentJwtSecret } from '@jabba/domain/identity';
import { loadConfig } from '../../src/config';

const secret = '0123456789abcdef0123456789abcdef';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('defaults everything outside production and flags the development secret', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      AUTH_JWT_SECRET: developmentJwtSecret,
      usingDevelopmentSecret: true,
      GRAPHQL_MAX_DEPTH: 12,
      GRAPHQL_MAX_COST: 20_000,
      GRAPHQL_MAX_ALIASES: 15,
      GRAPHQL_MAX_TOKENS: 1000,
      GRAPHQL_MAX_DIRECTIVES: 50,
      LOG_LEVEL: 'info',
    });
  });

  it('reads the values it is given', () => {
    const config = loadConfig({ PORT: '8080', AUTH_JWT_SECRET: secret, GRAPHQL_MAX_DEPTH: '5', GRAPHQL_MAX_COST: '100' });
    expect(config).toMatchObject({ PORT: 8080, AUTH_JWT_SECRET: secret, usingDevelopmentSecret: false, GRAPHQL_MAX_DEPTH: 5, GRAPHQL_MAX_COST: 100 });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it('traces nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set, as service jabba-api by default', () => {
    const config = loadConfig({});
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(config.OTEL_SERVICE_NAME).toBe('jabba-api');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.org', OTEL_SERVICE_NAME: 'api-eu' }))
      .toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.org', OTEL_SERVICE_NAME: 'api-eu' });
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL']);
  });

  it('requires AUTH_JWT_SECRET in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['AUTH_JWT_SECRET: required when NODE_ENV=production']);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret }).usingDevelopmentSecret).toBe(false);
  });

  it('refuses the public development secret and weak secrets in production, and nowhere else', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: developmentJwtSecret })).toEqual([
      'AUTH_JWT_SECRET: is the public development secret, which anyone can sign tokens with; set one of your own, e.g. AUTH_JWT_SECRET=$(openssl rand -hex 32)',
    ]);
    for (const weak of ['a'.repeat(32), '€'.repeat(40)]) {
      expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: weak })).toEqual([
        'AUTH_JWT_SECRET: is too weak (shorter than 32 bytes, or one character repeated); set one of your own, e.g. AUTH_JWT_SECRET=$(openssl rand -hex 32)',
      ]);
    }
    expect(loadConfig({ NODE_ENV: 'development', AUTH_JWT_SECRET: developmentJwtSecret }).usingDevelopmentSecret).toBe(true);
  });

  it('rejects a short secret', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'short' })).toEqual([
      'AUTH_JWT_SECRET: must be at least 32 characters',
    ]);
  });

  it('leaves METRICS_TOKEN unset by default and refuses a short one', () => {
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: secret }).METRICS_TOKEN).toBe(secret);
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN: must be at least 32 characters']);
  });

  it('rejects a bad PORT', () => {
    for (const port of ['abc', '70000', '-1', '3.5']) {
      const problems = problemsOf({ PORT: port });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PORT: /);
    }
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'abc', GRAPHQL_MAX_DEPTH: '0', REDIS_URL: 'http://x' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['AUTH_JWT_SECRET', 'GRAPHQL_MAX_DEPTH', 'PORT', 'REDIS_URL']);
  });

  it('bounds uploads and Postgres sessions by default: issue 11', () => {
    expect(loadConfig({})).toMatchObject({
      IMPORT_MAX_BYTES: 1024 ** 3,
      IMPORT_MAX_RECORDS: 5_000_000,
      IMPORT_MAX_RECORD_BYTES: 65_536,
      IMPORT_MAX_CONCURRENT: 4,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 10_000,
    });
    for (const cap of ['0', '65']) expect(problemsOf({ IMPORT_MAX_CONCURRENT: cap })).toHaveLength(1);
  });

  it('leaves an import\'s chunk size to its job type unless IMPORT_CHUNK_SIZE is set: issue 14', () => {
    expect(loadConfig({}).IMPORT_CHUNK_SIZE).toBeUndefined();
    expect(loadConfig({ IMPORT_CHUNK_SIZE: '4' }).IMPORT_CHUNK_SIZE).toBe(4);
    for (const size of ['0', '100001', 'big']) expect(problemsOf({ IMPORT_CHUNK_SIZE: size })[0]).toMatch(/^IMPORT_CHUNK_SIZE: /);
  });

  it('keeps idle connections 65 s, headers 1 s longer, and gives a request the time of the largest upload at 1 MiB/s', () => {
    expect(loadConfig({}).http).toEqual({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 1_024_000 });
    // Never below Node's own 5 minutes.
    expect(loadConfig({ IMPORT_MAX_BYTES: String(10 * 1024 ** 2) }).http.requestTimeout).toBe(300_000);
    expect(loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '120000', HTTP_REQUEST_TIMEOUT_MS: '3600000' }).http).toEqual({
      keepAliveTimeout: 120_000, headersTimeout: 121_000, requestTimeout: 3_600_000,
    });
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT_MS: '60000' })).toEqual(['HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000 (66000)']);
    expect(problemsOf({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '10' })[0]).toMatch(/^HTTP_KEEP_ALIVE_TIMEOUT_MS: /);
  });
});
