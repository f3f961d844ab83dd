/**
 * The relay of the person-deactivation outbox (SPEC §5): the api publishes a settled MERGE's event
 * right after its commit, and this pass, run with every reconcile, publishes what a crash between
 * the commit and the publish left behind, and, when Redis lost its data, what Redis lost.
 * Publishing twice is harmless (the job id is the event id).
 */
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { relayDeactivationEvents, republishAfterRedisLoss, type MarkerRedis } from '@jabba/domain/merge-review';
import type { Logger } from '@jabba/domain/platform';

export interface OutboxRelayDeps {
  orm: MikroORM;
  personDeactivation: Queue;
  /** The Redis of the queue, where the marker of `republishAfterRedisLoss` lives. */
  redis: MarkerRedis;
  logger: Logger;
}

/** Publishes every unpublished event, batch by batch (after a Redis loss, the recent ones too); the number published. */
export async function relayOutbox(deps: OutboxRelayDeps): Promise<number> {
  const republished = await republishAfterRedisLoss(deps.orm.em, deps.personDeactivation, deps.redis);
  if (republished !== null) {
    deps.logger.info({ events: republished }, 'no outbox marker in Redis: published the recent person-deactivation events again');
  }
  let total = 0;
  for (;;) {
    const published = await relayDeactivationEvents(deps.orm.em, deps.personDeactivation);
    total += published;
    if (published === 0) break;
  }
  if (total > 0) deps.logger.info({ events: total }, 'outbox relay published person-deactivation events');
  return total + (republished ?? 0);
}
