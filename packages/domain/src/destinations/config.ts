import { z } from 'zod';

/**
 * The destination rules both apps apply: the api when it checks a PATCH at once, the worker when it
 * checks it again under the row lock. One definition, so the two can only disagree by misconfiguration.
 */
export const destinationEnvFields = {
  /** Whole days a destination must have been inactive before it may be decommissioned. */
  DESTINATION_MIN_INACTIVE_DAYS: z.coerce.number().int().min(0).default(30),
};
