/**
 * The seed-defined part of the GraphQL contract does not break: the served schema is diffed with
 * @graphql-inspector/core against the committed baseline (apps/api/schema.baseline.graphql), and
 * any BREAKING change whose path starts at a type or root field below fails, naming it.
 *
 * Seed-defined means what /work/shared/SPEC.md takes from the seeds (eHealth jabba, deviceRegistryJob,
 * MPI merge review, PRM service catalog, FIT-Connect destinations) and its cross-cutting contracts
 * (Relay nodes and connections, DateTime). Our own additions (the jobs list, queues, viewer, cancel,
 * retry) may change with their clients. A deliberate break: `npm run schema:accept-breaking`, which
 * rewrites the baseline, in a commit that says why.
 */
import { readFileSync } from 'node:fs';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildASTSchema, buildSchema, parse, visit, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { baselineFile, printedSchema } from '../../src/schema-file';

const seedTypes = new Set([
  // SPEC §2, the jabba tables (eHealth job service)
  'Job', 'JobStatus', 'JobStrategy', 'Task', 'TaskConnection', 'TaskEdge', 'TaskError', 'TaskErrorExtension',
  'TaskFilter', 'TaskOrderBy', 'TaskStatus',
  // §3 device registry import (seed 002)
  'DeviceRegistryJob', 'DeviceRegistryJobConnection', 'DeviceRegistryJobEdge', 'DeviceRegistryJobFilter',
  'DeviceRegistryJobOrderBy', 'DeviceRegistryTask', 'DeviceRegistryTaskConnection', 'DeviceRegistryTaskEdge',
  'DeviceRegistryTaskMeta', 'UploadDeviceRegistryInput', 'UploadDeviceRegistryPayload',
  // §4 destination lifecycle (seed 001)
  'Destination', 'DestinationConnection', 'DestinationEdge', 'DestinationFilter', 'DestinationOrderBy', 'DestinationStatus',
  // §5 manual merge review (seed 000)
  'AssignMergeCandidatePayload', 'ManualMergeCandidate', 'ManualMergeCandidateStatus', 'MergeCandidate', 'MergeRequest',
  'MergeRequestConnection', 'MergeRequestEdge', 'MergeRequestFilter', 'MergeRequestOrderBy', 'MergeRequestStatus',
  'Person', 'UpdateMergeRequestInput', 'UpdateMergeRequestPayload',
  // §6 service catalog (seed 003)
  'Service', 'ServiceConnection', 'ServiceEdge', 'ServiceFilter', 'ServiceOrderBy', 'ServiceGroup',
  'ServiceGroupConnection', 'ServiceGroupEdge', 'ServiceGroupFilter', 'ServiceGroupOrderBy',
  'AddServiceToGroupInput', 'AddServiceToGroupPayload', 'CreateServiceInput', 'CreateServicePayload',
  'CreateServiceGroupInput', 'CreateServiceGroupPayload', 'DeactivateServiceInput', 'DeactivateServicePayload',
  'DeactivateServiceGroupInput', 'DeactivateServiceGroupPayload', 'DeleteServiceFromGroupInput',
  'DeleteServiceFromGroupPayload', 'UpdateServiceInput', 'UpdateServicePayload', 'UpdateServiceGroupInput',
  'UpdateServiceGroupPayload',
  // §7 cross-cutting: Relay ids and connections, timestamps
  'Node', 'PageInfo', 'DateTime',
]);

const seedRootFields = new Set([
  'Query.node', 'Query.deviceRegistryJob', 'Query.deviceRegistryJobs', 'Query.destination', 'Query.destinations',
  'Query.mergeRequest', 'Query.mergeRequests', 'Query.services', 'Query.serviceGroups',
  'Mutation.uploadDeviceRegistry', 'Mutation.assignMergeCandidate', 'Mutation.updateMergeRequest',
  'Mutation.createService', 'Mutation.updateService', 'Mutation.deactivateService', 'Mutation.createServiceGroup',
  'Mutation.updateServiceGroup', 'Mutation.deactivateServiceGroup', 'Mutation.addServiceToGroup',
  'Mutation.deleteServiceFromGroup',
]);

/** A change's path is `Type`, `Type.field` or `Type.field.argument` (`Enum.VALUE`, `Input.field`). */
function touchesSeed(path: string | undefined): boolean {
  if (path === undefined) return false;
  const [type = '', field] = path.split('.');
  if (type === 'Query' || type === 'Mutation') return seedRootFields.has(`${type}.${field}`);
  return seedTypes.has(type);
}

async function seedBreakingChanges(baseline: GraphQLSchema, served: GraphQLSchema): Promise<Change[]> {
  const changes = await diff(baseline, served);
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking && touchesSeed(change.path));
}

/** The served schema with one field taken out of one type, as a careless change would leave it. */
function servedWithout(type: string, field: string): GraphQLSchema {
  let removed = false;
  const document = visit(parse(printedSchema()), {
    ObjectTypeDefinition(node) {
      if (node.name.value !== type) return undefined;
      removed = node.fields?.some((f) => f.name.value === field) ?? false;
      return { ...node, fields: node.fields?.filter((f) => f.name.value !== field) };
    },
  });
  expect(removed, `${type}.${field} is served`).toBe(true);
  return buildASTSchema(document);
}

const describeChanges = (changes: Change[]) => changes.map((change) => `${change.path ?? '?'}: ${change.message}`);

describe('the seed-defined GraphQL types against apps/api/schema.baseline.graphql', () => {
  const baseline = buildSchema(readFileSync(baselineFile, 'utf8'));
  const served = buildSchema(printedSchema());

  it('lists only types and root fields the baseline has, so a renamed one cannot fall out of the check', () => {
    const missing = [...seedTypes].filter((name) => !baseline.getType(name));
    const fields = { Query: baseline.getQueryType()?.getFields() ?? {}, Mutation: baseline.getMutationType()?.getFields() ?? {} };
    const missingRoot = [...seedRootFields].filter((path) => {
      const [root, field] = path.split('.') as ['Query' | 'Mutation', string];
      return !(field in fields[root]);
    });
    expect([...missing, ...missingRoot]).toEqual([]);
  });

  it('has no BREAKING change to them in the served schema; a deliberate one: npm run schema:accept-breaking', async () => {
    expect(describeChanges(await seedBreakingChanges(baseline, served))).toEqual([]);
  });

  it('fails on a removed seed field, naming it, and lets our own additions change', async () => {
    expect(describeChanges(await seedBreakingChanges(baseline, servedWithout('DeviceRegistryJob', 'reasonDescription')))).toEqual([
      "DeviceRegistryJob.reasonDescription: Field 'reasonDescription' was removed from object type 'DeviceRegistryJob'",
    ]);
    expect(await seedBreakingChanges(baseline, servedWithout('Query', 'viewer'))).toEqual([]);
    expect(await seedBreakingChanges(baseline, servedWithout('Viewer', 'scopes'))).toEqual([]);
  });
});
