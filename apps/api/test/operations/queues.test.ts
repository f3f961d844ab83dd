/**
 * `queues` (issue 12): every BullMQ queue Jabba uses with its counts from Redis, and the
 * reconciler's last run as the worker records it in `maintenance_runs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceRunNames, recordMaintenanceRun } from '@jabba/domain/engine';
import { messages } from '@jabba/domain/identity';
import { createTestApi, type TestApi } from '../support';

const query = '{ queues { queues { name waiting active delayed failed completed paused } reconciler { lastRunAt lastReenqueued } } }';

describe('queues', () => {
  let api: TestApi;
  beforeAll(async () => { api = await createTestApi(); });
  afterAll(() => api.close());

  it('counts each queue’s jobs by state and shows the reconciler’s last run', async () => {
    const operator = await api.caller({ scopes: ['queues:read'] });
    const empty = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, paused: false };
    const before = await api.graphql({ query, token: operator.token });
    expect(before.body).toEqual({
      data: {
        queues: {
          queues: ['jabba-tasks', 'jabba-maintenance', 'merge-assignments', 'person-deactivation', 'webhook-deliveries'].map((name) => ({ name, ...empty })),
          reconciler: { lastRunAt: null, lastReenqueued: null },
        },
      },
      extensions: expect.any(Object),
    });

    await api.deps.tasksQueue.add('run-task-chunk', {});
    await api.deps.tasksQueue.add('run-task-chunk', {}, { priority: 3 });
    await api.deps.tasksQueue.add('run-task-chunk', {}, { delay: 60_000 });
    await api.deps.personDeactivation.pause();
    await recordMaintenanceRun(api.em(), maintenanceRunNames.reconcile, { reenqueued: 7 });
    const [stored] = await api.em().execute<{ at: string }[]>(`select to_char(last_run_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from maintenance_runs where name = 'reconcile'`);

    const after = await api.graphql<{ queues: { queues: { name: string }[]; reconciler: unknown } }>({ query, token: operator.token });
    expect(after.body.data?.queues.queues[0]).toEqual({ name: 'jabba-tasks', ...empty, waiting: 2, delayed: 1 });
    expect(after.body.data?.queues.queues[3]).toEqual({ name: 'person-deactivation', ...empty, paused: true });
    expect(after.body.data?.queues.reconciler).toEqual({ lastRunAt: stored!.at, lastReenqueued: 7 });
  });

  it('needs scope queues:read', async () => {
    const caller = await api.caller({ scopes: ['device_registry_job:read'] });
    const { body } = await api.graphql({ query, token: caller.token });
    expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([[messages.missingScope(['queues:read']), 'FORBIDDEN']]);
  });
});
