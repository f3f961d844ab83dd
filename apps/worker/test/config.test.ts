import { describe, expect, it } from 'vitest';
import { ConfigError } from '@jabba/domain/platform';
import { loadConfig } from '../src/config';

describe('the worker\'s loadConfig: metrics server', () => {
  it('serves no metrics unless WORKER_METRICS_PORT is set, and binds loopback by default', () => {
    const defaults = loadConfig({});
    expect(defaults.WORKER_METRICS_PORT).toBeUndefined();
    expect(defaults.WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({ WORKER_METRICS_PORT: '9464', WORKER_METRICS_HOST: '0.0.0.0' })).toMatchObject({ WORKER_METRICS_PORT: 9464, WORKER_METRICS_HOST: '0.0.0.0' });
  });

  it('refuses a port out of range', () => {
    for (const port of ['-1', '70000', 'http']) {
      let problems: string[] = [];
      try {
        loadConfig({ WORKER_METRICS_PORT: port });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        problems = (error as ConfigError).problems;
      }
      expect(problems, port).toHaveLength(1);
      expect(problems[0]).toMatch(/^WORKER_METRICS_PORT: /);
    }
  });
});

describe('the worker\'s loadConfig: webhooks', () => {
  it('keeps private addresses out and retries 8 times from 10 minutes by default', () => {
    expect(loadConfig({})).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE: false, WEBHOOK_TIMEOUT_MS: 5000, WEBHOOK_MAX_ATTEMPTS: 8, WEBHOOK_RETRY_BASE_MS: 600_000, WEBHOOK_RELAY_EVERY_MS: 1000,
    });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });

  it('refuses anything but true or false, and a timeout past a minute', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes', WEBHOOK_TIMEOUT_MS: '120000' })).toThrow(
      expect.objectContaining({ problems: ['WEBHOOK_ALLOW_PRIVATE: must be true or false', 'WEBHOOK_TIMEOUT_MS: Too big: expected number to be <=60000'] }) as Error,
    );
  });
});

describe('the worker\'s loadConfig: tracing and log format', () => {
  it('leaves tracing off and logs JSON unless told, and names its service jabba-worker', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ OTEL_SERVICE_NAME: 'jabba-worker' });
    expect(defaults.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(defaults.LOG_FORMAT).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'jabba-worker-eu', LOG_FORMAT: 'pretty' }))
      .toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'jabba-worker-eu', LOG_FORMAT: 'pretty' });
  });

  it('refuses an endpoint that is not an http(s) URL and a format it does not know', () => {
    let problems: string[] = [];
    try {
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317', LOG_FORMAT: 'xml' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(['LOG_FORMAT: Invalid option: expected one of "json"|"pretty"', 'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL']);
  });
});

describe('the worker\'s loadConfig: poison records (issue 14)', () => {
  it('splits a chunk after 3 attempts by default, and takes 1 to 100', () => {
    expect(loadConfig({}).CHUNK_MAX_ATTEMPTS).toBe(3);
    expect(loadConfig({ CHUNK_MAX_ATTEMPTS: '1' }).CHUNK_MAX_ATTEMPTS).toBe(1);
    for (const attempts of ['0', '101', 'many']) {
      expect(() => loadConfig({ CHUNK_MAX_ATTEMPTS: attempts }), attempts).toThrow(
        expect.objectContaining({ problems: [expect.stringMatching(/^CHUNK_MAX_ATTEMPTS: /)] }) as Error,
      );
    }
  });

  it('takes the crash hook only under NODE_ENV=test', () => {
    expect(loadConfig({}).WORKER_TEST_CRASH_ON_MODEL).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', WORKER_TEST_CRASH_ON_MODEL: 'P-1' }).WORKER_TEST_CRASH_ON_MODEL).toBe('P-1');
    for (const NODE_ENV of ['development', 'production']) {
      expect(() => loadConfig({ NODE_ENV, AUTH_JWT_SECRET: '0123456789abcdef0123456789abcdef-poison', WORKER_TEST_CRASH_ON_MODEL: 'P-1' }), NODE_ENV).toThrow(
        expect.objectContaining({ problems: ['WORKER_TEST_CRASH_ON_MODEL: is a test hook: it is accepted only with NODE_ENV=test'] }) as Error,
      );
    }
  });
});
