/**
 * Every migration, in order. Listed explicitly (not globbed from disk) so that tsx, vitest and the
 * docker image all run the same list without a build step.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000001_identity_and_jobs } from './Migration20261122000001_identity_and_jobs';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000001_identity_and_jobs', class: Migration20261122000001_identity_and_jobs },
];
