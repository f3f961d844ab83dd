import { describe, expect, it } from 'vitest';
import { baseEnvSchema, ConfigError, parseEnv, queuePrefixOf } from '../../src/platform';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseEnv(baseEnvSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the environment to be refused');
};

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default: one Redis at REDIS_URL, the prefix as given', () => {
    const env = parseEnv(baseEnvSchema, {});
    expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(queuePrefixOf(env)).toBe('jabba');
    expect(queuePrefixOf(parseEnv(baseEnvSchema, { REDIS_CLUSTER_NODES: '' }))).toBe('jabba');
  });

  it('reads a host:port list, IPv6 in brackets, and hash-tags the prefix', () => {
    const env = parseEnv(baseEnvSchema, { REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7001,[::1]:7002', QUEUE_PREFIX: 'eu' });
    expect(env.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0.redis', port: 6379 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 },
    ]);
    expect(queuePrefixOf(env)).toBe('{eu}');
  });

  it('refuses an entry without a port, a port out of range, a URL and an empty list', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' })).toEqual(['REDIS_CLUSTER_NODES: "10.0.0.2" is not host:port']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis:70000' })).toEqual(['REDIS_CLUSTER_NODES: "redis:70000" is not host:port']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis://redis:6379' })).toEqual(['REDIS_CLUSTER_NODES: "redis://redis:6379" is not host:port']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: ' , ' })).toEqual(['REDIS_CLUSTER_NODES: must list at least one host:port']);
  });
});
