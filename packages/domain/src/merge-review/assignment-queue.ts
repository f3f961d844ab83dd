/**
 * The queue contract of reviewer assignment (SPEC §5): the api adds one message per
 * `assignMergeCandidate` and awaits the worker's answer; the worker runs the assignment's
 * transaction. A rule the assignment refuses on (no candidate, a NEW request present, the postponed
 * limit) is an answer, not a failure: it comes back as the job's result, so BullMQ never retries it.
 *
 * A message is tried once. A retried assignment could assign a second candidate to a reviewer whose
 * first answer was lost; a reviewer who got no answer (TIMEOUT) asks again instead, and the rules
 * answer that second request correctly whatever became of the first.
 */
import type { JobsOptions, Queue, QueueEvents } from 'bullmq';
import { z } from 'zod';
import { assertQueueAnswers } from '../engine';
import { DomainError, errorCodes } from '../platform';

export const mergeAssignmentJobName = 'assign-merge-candidate';

export const mergeAssignmentPayload = z.object({
  /** The reviewer asking, who gets the candidate: the token's user id. */
  assigneeId: z.uuid(),
});
export type MergeAssignmentPayload = z.infer<typeof mergeAssignmentPayload>;

export const mergeAssignmentResult = z.union([
  z.object({ mergeRequestId: z.uuid() }),
  z.object({ error: z.object({ code: z.enum(errorCodes), message: z.string() }) }),
]);
export type MergeAssignmentResult = z.infer<typeof mergeAssignmentResult>;

export const mergeAssignmentJobOptions: JobsOptions = {
  attempts: 1,
  // The finished record stays a while: an answer that lands before the api listens is read from it.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 24 * 3600 },
};

export const assignmentTimeoutMessage = 'The assignment took too long; try again';

/**
 * Asks a worker to assign `assigneeId` a candidate; resolves with the new request's id or throws
 * the rule's DomainError. After `timeoutMs` without an answer it throws TIMEOUT. The request is then
 * withdrawn if no worker has taken it yet; one already running still commits or not as a whole, so
 * the reviewer either has the request (and sees it in `mergeRequests`) or has nothing, never half.
 */
const timeout = Symbol('timeout');

export async function requestAssignment(queue: Queue, events: QueueEvents, assigneeId: string, timeoutMs: number): Promise<string> {
  await assertQueueAnswers(queue);
  const job = await queue.add(mergeAssignmentJobName, mergeAssignmentPayload.parse({ assigneeId }), mergeAssignmentJobOptions);
  // Our own timer decides the timeout: BullMQ's wait rejects alike for its timer and a failed job,
  // and telling them apart by elapsed time misreads a timer that fires a millisecond early. Its own
  // ttl, longer than ours, only keeps its listener from outliving a withdrawn job.
  const finished = job.waitUntilFinished(events, timeoutMs + 1_000);
  finished.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof timeout>((resolve) => {
    timer = setTimeout(() => resolve(timeout), timeoutMs);
  });
  let returned: unknown;
  try {
    returned = await Promise.race([finished, timedOut]);
  } catch (error) {
    throw new Error(`merge assignment ${job.id ?? '?'} failed`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (returned === timeout) {
    await job.remove().catch(() => undefined); // Locked by the worker running it: it finishes by itself.
    throw new DomainError('TIMEOUT', assignmentTimeoutMessage);
  }
  const result = mergeAssignmentResult.parse(returned);
  if ('error' in result) throw new DomainError(result.error.code, result.error.message);
  return result.mergeRequestId;
}
