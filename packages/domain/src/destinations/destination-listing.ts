/**
 * A client's destinations, page by page (GraphQL `destinations`): keyset scans over
 * (inserted_at, id), served by destinations_client_idx (client_id, inserted_at, id) of
 * Migration20261122000005_destinations — never OFFSET, never count(*), no sort step.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DestinationStatus } from './rules';
import { destinationColumns, toDestination, type DestinationRow } from './destination-rows';
import { creationOrder, keysetPage, type CreationKey } from '../platform';

export type DestinationListOrder = 'INSERTED_AT_ASC' | 'INSERTED_AT_DESC';

/** Position of a destination in either order. */
export type DestinationKey = CreationKey;

export interface DestinationPageQuery {
  clientId: string;
  status?: DestinationStatus | null;
  order: DestinationListOrder;
  /** Exclusive bounds, in the order's direction. */
  after?: DestinationKey | null;
  before?: DestinationKey | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
}

export interface DestinationPage {
  rows: DestinationRow[];
  /** A destination sits at or before `after` (only looked up when `after` is given). */
  existsBeforeAfter: boolean;
  /** A destination sits at or after `before` (only looked up when `before` is given). */
  existsAfterBefore: boolean;
}

export async function pageDestinations(em: EntityManager, q: DestinationPageQuery): Promise<DestinationPage> {
  const page = await keysetPage<DestinationKey>(em, {
    from: 'destinations d',
    select: destinationColumns,
    // The status is a filter on the index scan: a client has few destinations, not millions.
    where: q.status ? ['d.client_id = $1', 'd.status = $2'] : ['d.client_id = $1'],
    params: q.status ? [q.clientId, q.status] : [q.clientId],
    ...creationOrder('d'),
    ascending: q.order === 'INSERTED_AT_ASC',
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
  });
  return { ...page, rows: page.rows.map(toDestination) };
}
