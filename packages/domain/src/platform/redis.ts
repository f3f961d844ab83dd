/**
 * The one place a process connects to Redis: a single server at REDIS_URL, or an ioredis Cluster
 * when REDIS_CLUSTER_NODES is set. Everything Jabba keeps in Redis is BullMQ's (the readiness PINGs
 * aside), so the queue prefix is what makes a cluster work: see `queuePrefixOf`.
 */
import { Cluster, Redis } from 'ioredis';
import type { RedisNode } from './config';

export type RedisConnection = Redis | Cluster;

export interface RedisEnv {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: RedisNode[] | undefined;
  QUEUE_PREFIX: string;
}

/**
 * The BullMQ prefix. BullMQ's Lua scripts touch several keys of a queue at once, which a cluster
 * allows only when they hash to one slot: in braces, the prefix is the keys' hash tag, so every
 * key of every queue of this platform lands on one slot (one master and its replicas). One tag for
 * all queues rather than one each: Jabba's Redis traffic is a message per chunk of a thousand
 * lines, which one master carries easily; what the cluster adds is failover. Only on a cluster: on
 * a single server the braces would rename the keys of queues that already exist.
 */
export const queuePrefixOf = (env: RedisEnv): string =>
  (env.REDIS_CLUSTER_NODES ? `{${env.QUEUE_PREFIX}}` : env.QUEUE_PREFIX);

/**
 * A connection for BullMQ and the readiness checks; the caller owns it and quits it on shutdown.
 * maxRetriesPerRequest null queues commands while Redis reconnects instead of failing them after
 * 20 retries: BullMQ requires it of the connections its workers and QueueEvents block on, and each
 * readiness check bounds its PING with a timeout of its own.
 */
export function connectRedis(env: RedisEnv, onError: (error: Error) => void, { failFast = false } = {}): RedisConnection {
  // A producer that must never hang (the api): commands fail at once while disconnected, and one
  // caught in flight fails after one retry. Blocking connections (workers, QueueEvents) cannot.
  const retries = failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null };
  const connection = env.REDIS_CLUSTER_NODES
    ? new Cluster(env.REDIS_CLUSTER_NODES, {
      redisOptions: retries,
      ...(failFast ? { enableOfflineQueue: false } : {}),
      // While a master fails over, its slots answer nothing or CLUSTERDOWN, and nodes that have not
      // heard of the new master yet redirect to the old one. Each retry waits, and ioredis gives up
      // after 16 (about 5 s; 1.6 s by default), so a quick failover passes without an error; past
      // that a command fails, and BullMQ's loops and the reconciler retry what failed.
      retryDelayOnFailover: 300,
      retryDelayOnClusterDown: 300,
      retryDelayOnMoved: 100,
    })
    : new Redis(env.REDIS_URL, retries);
  // Without a listener ioredis prints every reconnect failure as an "Unhandled error event".
  connection.on('error', onError);
  return connection;
}
