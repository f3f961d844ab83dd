import type { Requirement } from '../platform/access';

const jobReadScopes = ['device_registry_job:read', 'merge_candidate_job:read'];

/**
 * Jobs are read with their type's own scope; the list shows the types the api says the viewer may
 * read (`jobTypes`). A destination's jobs come with its `manage:destination:{id}` scope.
 */
export const jobsAccess = {
  read: {
    scope: { test: (scopes) => scopes.some((s) => jobReadScopes.includes(s) || s.startsWith('manage:destination:')), label: jobReadScopes.join(' | ') },
    links: [],
  },
  /** chains.ts 'device-registry'.write, for cancel and retry of an import. */
  writeDeviceRegistry: { scope: 'device_registry:write', links: ['active', 'nhs', 'notBlocked'] },
} as const satisfies Record<string, Requirement>;
