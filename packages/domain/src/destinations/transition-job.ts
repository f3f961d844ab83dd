/**
 * A destination status transition (SPEC §4), one task per destination: PATCH submits a job of one,
 * a bulk request one of many. The api already checked the transition, but only the row lock taken
 * here makes it safe: of two PATCHes racing on one destination the second finds the first's status
 * and fails with destination-state-invalid, which the PATCH then answers with.
 */
import { applyTransition } from '@jabba/domain/destinations/transitions';
import type { TaskHandler } from '@jabba/domain/engine/handler';
import { destinationTransitionJobMeta, destinationTransitionTaskMeta } from '@jabba/domain/destinations/job-contracts';

export interface TransitionHandlerDeps {
  now: () => Date;
  /** DESTINATION_MIN_INACTIVE_DAYS. */
  minInactiveDays: number;
}

export const destinationTransitionHandler = (deps: TransitionHandlerDeps): TaskHandler => ({
  kind: 'each',
  async run(task, { job, sql }) {
    // Malformed meta is a bug in whoever wrote the job, not the user's mistake: let it be RESCUED.
    const { destinationId, status } = destinationTransitionTaskMeta.parse(task.meta);
    const { reach } = destinationTransitionJobMeta.parse(job.meta);
    const row = await applyTransition(sql, {
      destinationId,
      to: status,
      now: deps.now(),
      rules: { minInactiveDays: deps.minInactiveDays },
      ...(reach === 'client' ? { ownerClientId: job.clientId } : {}),
    });
    return { result: { status: row.status, statusChangedAt: row.statusChangedAt } };
  },
});
