/**
 * The cap on uploads one api process takes at once (IMPORT_MAX_CONCURRENT), and the pool size that
 * goes with it. An upload is received to local disk first (for as long as its client takes, up to
 * Node's request timeout), then COPYed in one short transaction: it holds at most one Postgres
 * connection, and only for the COPY. The pool has one connection per slot on top of the ten
 * everything else shares, so uploads can never take the connections reads need.
 *
 * One upload over the cap is refused at once with 503 and Retry-After rather than queued: a queued
 * upload would hold its client's connection and keep its body unread, which is what the cap is for.
 */
import { DomainError } from '@jabba/domain/platform';
import type { ApiConfig } from '../config';

/** Connections of the api's pool that are never an upload's. */
export const connectionsBesideUploads = 10;

/** How long a refused client should wait: a small upload takes about this long. */
export const uploadRetryAfterSeconds = 5;

export const apiPoolSize = (config: Pick<ApiConfig, 'IMPORT_MAX_CONCURRENT'>): number => connectionsBesideUploads + config.IMPORT_MAX_CONCURRENT;

export interface UploadSlots {
  /** Runs `upload` in a slot, or throws BUSY (503 with Retry-After) when every slot is taken. */
  run<T>(upload: () => Promise<T>): Promise<T>;
  /** Uploads running now, for the metrics. */
  inFlight(): number;
}

export function uploadSlots(max: number): UploadSlots {
  let taken = 0;
  return {
    inFlight: () => taken,
    async run<T>(upload: () => Promise<T>): Promise<T> {
      if (taken >= max) {
        throw new DomainError('BUSY', `This api process is receiving ${max} uploads already; try again in ${uploadRetryAfterSeconds} seconds`, {
          retryAfterSeconds: uploadRetryAfterSeconds,
        });
      }
      taken += 1;
      try {
        return await upload();
      } finally {
        taken -= 1;
      }
    },
  };
}
