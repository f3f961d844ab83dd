/**
 * Every migration, in order. Listed explicitly (not globbed from disk) so that tsx, vitest and the
 * docker image all run the same list without a build step.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000001_identity_and_jobs } from './Migration20261122000001_identity_and_jobs';
import { Migration20261122000002_task_input } from './Migration20261122000002_task_input';
import { Migration20261122000003_device_registry } from './Migration20261122000003_device_registry';
import { Migration20261122000004_job_listing } from './Migration20261122000004_job_listing';
import { Migration20261122000005_destinations } from './Migration20261122000005_destinations';
import { Migration20261122000006_destination_status } from './Migration20261122000006_destination_status';
import { Migration20261122000007_merge_review } from './Migration20261122000007_merge_review';
import { Migration20261122000008_service_catalog } from './Migration20261122000008_service_catalog';
import { Migration20261122000009_operations } from './Migration20261122000009_operations';
import { Migration20261205000001_webhooks } from './Migration20261205000001_webhooks';
import { Migration20261205000002_chunk_attempts } from './Migration20261205000002_chunk_attempts';
import { Migration20261206000010_set_based_foreign_keys } from './Migration20261206000010_set_based_foreign_keys';
import { Migration20261206000011_task_storage } from './Migration20261206000011_task_storage';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000001_identity_and_jobs', class: Migration20261122000001_identity_and_jobs },
  { name: 'Migration20261122000002_task_input', class: Migration20261122000002_task_input },
  { name: 'Migration20261122000003_device_registry', class: Migration20261122000003_device_registry },
  { name: 'Migration20261122000004_job_listing', class: Migration20261122000004_job_listing },
  { name: 'Migration20261122000005_destinations', class: Migration20261122000005_destinations },
  { name: 'Migration20261122000006_destination_status', class: Migration20261122000006_destination_status },
  { name: 'Migration20261122000007_merge_review', class: Migration20261122000007_merge_review },
  { name: 'Migration20261122000008_service_catalog', class: Migration20261122000008_service_catalog },
  { name: 'Migration20261122000009_operations', class: Migration20261122000009_operations },
  { name: 'Migration20261205000001_webhooks', class: Migration20261205000001_webhooks },
  { name: 'Migration20261205000002_chunk_attempts', class: Migration20261205000002_chunk_attempts },
  { name: 'Migration20261206000010_set_based_foreign_keys', class: Migration20261206000010_set_based_foreign_keys },
  { name: 'Migration20261206000011_task_storage', class: Migration20261206000011_task_storage },
];
