/**
 * `queues`: what an operator watches — each BullMQ queue Jabba uses with its job counts (read from
 * Redis) and the reconciler's last run (recorded by the worker in `maintenance_runs`). Scope
 * `queues:read`, the operations chain. Queues hold every client's work, so only counts leave here,
 * never a job.
 */
import type { Queue } from 'bullmq';
import { findMaintenanceRun, maintenanceRunNames, readQueues } from '@jabba/domain/engine';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';

const typeDefs = /* GraphQL */ `
  "One BullMQ queue's jobs by state, as Redis holds them now (Postgres stays the record of the work)."
  type QueueStatus {
    name: String!
    "Jobs waiting for a worker, prioritized ones included."
    waiting: Int!
    active: Int!
    delayed: Int!
    "Kept failed jobs (the task queue keeps none: Postgres records the outcome)."
    failed: Int!
    completed: Int!
    "Whether the queue is paused (its waiting jobs are then not taken). BullMQ keeps no separate count of paused jobs."
    paused: Boolean!
  }

  "The reconciler, which re-offers from Postgres whatever work Redis lost."
  type ReconcilerStatus {
    "When a worker last ran it; null before any has."
    lastRunAt: DateTime
    "Chunks of tasks it offered again on that run."
    lastReenqueued: Int
  }

  type QueuesStatus {
    queues: [QueueStatus!]!
    reconciler: ReconcilerStatus!
  }

  type Query {
    "Every queue Jabba uses, with its counts, and the reconciler's last run. Scope \`queues:read\`."
    queues: QueuesStatus!
  }
`;

async function queueStatus(queue: Queue) {
  const [counts, paused] = await Promise.all([queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'), queue.isPaused()]);
  const count = (state: string): number => counts[state] ?? 0;
  return {
    name: queue.name,
    waiting: count('waiting') + count('prioritized'),
    active: count('active'),
    delayed: count('delayed'),
    failed: count('failed'),
    completed: count('completed'),
    paused,
  };
}

async function queues(_: unknown, _args: unknown, ctx: GraphqlContext) {
  await ctx.authorize(readQueues);
  const all = [ctx.tasksQueue, ctx.maintenanceQueue, ctx.mergeAssignments, ctx.personDeactivation, ctx.webhookDeliveries];
  const [statuses, run] = await Promise.all([Promise.all(all.map(queueStatus)), findMaintenanceRun(ctx.em, maintenanceRunNames.reconcile)]);
  const reenqueued = run?.lastResult.reenqueued;
  return {
    queues: statuses,
    reconciler: { lastRunAt: run?.lastRunAt ?? null, lastReenqueued: typeof reenqueued === 'number' ? reenqueued : null },
  };
}

export const operationsModule: GraphqlModule = {
  typeDefs,
  resolvers: { Query: { queues } },
};
