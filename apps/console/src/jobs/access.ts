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
  /** chains.ts 'merge-review'.write, for cancel and retry of a candidate import. */
  writeMergeCandidates: { scope: 'merge_candidate:write', links: ['nhs', 'notBlocked', 'active'] },
} as const satisfies Record<string, Requirement>;

/** A job type whose rule this console cannot check ahead (a destination job needs the scope of each destination): the api decides. */
const apiDecides: Requirement = { scope: { test: () => true, label: '' }, links: [] };

/** Who may cancel or retry a job of `type`, as its job type declares it. */
export function writeRequirementOf(type: string): Requirement {
  switch (type) {
    case 'upload_device_definition_registry': return jobsAccess.writeDeviceRegistry;
    case 'import_manual_merge_candidates': return jobsAccess.writeMergeCandidates;
    default: return apiDecides;
  }
}
