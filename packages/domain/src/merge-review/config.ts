import { z } from 'zod';

/** The manual merge review rules (SPEC §5): the api reads them for decisions and `canAssignNew`, the worker for assignments. */
export const mergeReviewEnvFields = {
  /** A reviewer holding this many POSTPONE requests gets no new candidate. */
  MAX_POSTPONED_MERGE_REQUESTS: z.coerce.number().int().min(0).default(5),
  /** Requests with the same decision that settle a candidate. */
  MERGE_QUORUM: z.coerce.number().int().min(1).default(3),
};
