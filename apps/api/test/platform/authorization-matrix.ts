/**
 * The authorization matrix: one entry per REST route and per GraphQL query or mutation field (per
 * job type where a route serves several), each naming its identity chain (identity/chains.ts), the
 * scopes it needs, the request, and what another client's caller is told about this client's
 * object. The refusals every other caller gets follow from the chain; the test derives them.
 */
import { type Link, messages } from '@jabba/domain/identity';
import { mergeMessages } from '@jabba/domain/merge-review';
import { toGlobalId } from '../../src/platform/global-ids';
import type { Call, JobKind, Refusal, World } from './authorization-fixtures';

/**
 * The chains as documented (README, Security): written out here on purpose rather than read from
 * identity/chains.ts, so a change to the code's table that the documentation does not make fails.
 */
export const documentedChains = {
  'device-registry read': ['scope', 'active', 'client:NHS'],
  'device-registry write': ['scope', 'active', 'client:NHS', 'notBlocked'],
  'destinations read': ['scope'],
  'destinations write': ['scope', 'active', 'notBlocked'],
  'merge-review read': ['scope', 'client:NHS', 'notBlocked'],
  'merge-review write': ['scope', 'client:NHS', 'notBlocked', 'active'],
  'merge-review review': ['scope', 'client:NHS', 'notBlocked', 'role:NHS_REVIEWER', 'active'],
  'service-catalog read': ['scope', 'client:NHS'],
  'service-catalog write': ['scope', 'client:NHS', 'active', 'notBlocked'],
  'identity token': [],
  'operations read': ['scope', 'active', 'notBlocked'],
  'webhooks read': ['scope'],
  'webhooks write': ['scope', 'active', 'notBlocked'],
} as const satisfies Record<string, readonly Link[]>;

type ChainName = keyof typeof documentedChains;

export interface Entry {
  /** `METHOD /path` of the route table, or `Query.field` / `Mutation.field` of the schema. */
  key: string;
  /** Which job type, where one route serves several. */
  variant?: string;
  chain: ChainName;
  /** What the allowed caller holds, for its own world. */
  scopes: (own: World) => string[];
  /** What a refusal for scope lists; the scopes by default. */
  missing?: (own: World) => string[];
  call: (world: World) => Call;
  /** Another client's caller, naming this world's object: its refusal, a null field, or why that cannot happen. */
  foreign: ((owner: World) => Refusal | 'null') | { notApplicable: string };
}

/** Routes anyone may call: they hold nothing of anyone's. */
export const publicRoutes: Record<string, string> = {
  'GET /health': 'liveness, for load balancers: no data',
  'GET /ready': 'readiness, for load balancers: no data',
  'GET /graphql': 'the GraphQL transport: every field below checks its own caller',
  'POST /graphql': 'the GraphQL transport: every field below checks its own caller',
  'POST /v1/dev/sign-in': 'outside production only (not registered there): the development identity’s token, as `dev:setup` prints it',
  'GET /openapi.json': 'the REST contract (OpenAPI 3.1): the same for everyone, no data',
  'GET /docs': 'the interactive reference of that contract: no data',
  'GET /docs/reference.js': 'the reference’s starter script',
  'GET /docs/swagger-ui.css': 'the reference’s style, from swagger-ui-dist',
  'GET /docs/swagger-ui-bundle.js': 'the reference’s script, from swagger-ui-dist',
  'GET /problems/:code': 'what a problem type means, for people: no data',
  'GET /*': 'the console: its built static files and its pages\' index.html, the same for everyone; what they show comes from the APIs, which check the caller',
};

/**
 * Routes for operators, not for identities: no chain applies (a scraper has no user or client).
 * Their own refusals are tested where they are built.
 */
export const operatorRoutes: Record<string, string> = {
  'GET /metrics': 'Prometheus text: with METRICS_TOKEN set only its bearer (401 otherwise), without it only a loopback peer not relayed by a proxy (403 otherwise); test/platform/metrics.test.ts',
};

export const linksOf = (chain: ChainName): readonly Link[] => documentedChains[chain];

const notFound = (message: string) => (): Refusal => ({ code: 'NOT_FOUND', message });
const missingScope = (scopes: string[]): Refusal => ({ code: 'FORBIDDEN', message: messages.missingScope(scopes), missingAllowances: scopes });
const manage = (id: string) => `manage:destination:${id}`;
const sharedCatalog = { notApplicable: 'the service catalog is one for every NHS client: nobody owns its rows' };
const creates = { notApplicable: 'creates a new object of the caller’s own client' };
const ownList = { notApplicable: 'lists the caller’s own client’s (or user’s) objects only' };

const json = (method: string, path: string, body?: unknown): Call => ({ rest: { method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) } });
const gql = (field: string, query: string, variables?: Record<string, unknown>): Call => ({ graphql: { field, query, ...(variables ? { variables } : {}) } });

/** Each job type's chains and scopes, as its definition declares them. */
const jobTypes: Record<JobKind, { view: string; read: [ChainName, (w: World) => string[]]; write: [ChainName, (w: World) => string[]] }> = {
  'device registry': {
    view: 'DeviceRegistryJob',
    read: ['device-registry read', () => ['device_registry_job:read']],
    write: ['device-registry write', () => ['device_registry:write']],
  },
  'merge candidate import': {
    view: 'GenericJob',
    read: ['merge-review read', () => ['merge_candidate_job:read']],
    write: ['merge-review write', () => ['merge_candidate:write']],
  },
  'destination transition': {
    view: 'GenericJob',
    read: ['destinations read', (w) => [manage(w.destinationId)]],
    write: ['destinations write', (w) => [manage(w.destinationId)]],
  },
};

function jobEntries(): Entry[] {
  return Object.entries(jobTypes).flatMap(([kind, { view, read, write }]) => {
    const job = (w: World) => w.jobs[kind as JobKind];
    const rest = (key: string, [chain, scopes]: [ChainName, (w: World) => string[]], path: (id: string) => string): Entry => ({
      key, variant: kind, chain, scopes,
      call: (w) => ({ rest: { method: key.split(' ')[0]!, path: path(job(w)) } }),
      foreign: (owner) => notFound(`Job ${job(owner)} not found`)(),
    });
    const mutation = (field: string): Entry => ({
      key: `Mutation.${field}`, variant: kind, chain: write[0], scopes: write[1],
      call: (w) => gql(field, `mutation ($id: ID!) { ${field}(input: { id: $id }) { job { id } } }`, { id: toGlobalId(view, job(w)) }),
      foreign: notFound('Job not found'),
    });
    return [
      rest('GET /v1/jobs/:id', read, (id) => `/v1/jobs/${id}`),
      rest('GET /v1/jobs/:id/errors.csv', read, (id) => `/v1/jobs/${id}/errors.csv`),
      rest('GET /v1/jobs/:id/events', read, (id) => `/v1/jobs/${id}/events`),
      rest('POST /v1/jobs/:id/cancel', write, (id) => `/v1/jobs/${id}/cancel`),
      rest('POST /v1/jobs/:id/retry-failed', write, (id) => `/v1/jobs/${id}/retry-failed`),
      mutation('cancelJob'),
      mutation('retryFailedTasks'),
      {
        key: 'Query.node', variant: kind, chain: read[0], scopes: read[1],
        call: (w) => gql('node', 'query ($id: ID!) { node(id: $id) { id } }', { id: toGlobalId(view, job(w)) }),
        foreign: () => 'null',
      },
    ];
  });
}

const csvUpload = (path: string, csv: string): Call => ({ rest: { method: 'POST', path, body: csv, contentType: 'text/csv' } });
const registryCsv = 'classification_type,manufacturer_name\nA,B\n';
const candidateCsv = 'merge_candidate_id,person_id,master_person_id\n00000000-0000-4000-8000-000000000001,00000000-0000-4000-8000-000000000002,00000000-0000-4000-8000-000000000003\n';
const page = (field: string, selection = 'nodes { id }') => gql(field, `{ ${field}(first: 1) { ${selection} } }`);
const catalog = (field: string, input: string): Entry => ({
  key: `Mutation.${field}`, chain: 'service-catalog write', scopes: () => ['service_catalog:write'],
  call: () => gql(field, `mutation { ${field}(input: ${input}) { __typename } }`), foreign: sharedCatalog,
});
const someService = toGlobalId('Service', '00000000-0000-4000-8000-000000000001');
const someGroup = toGlobalId('ServiceGroup', '00000000-0000-4000-8000-000000000002');

export const entries: Entry[] = [
  ...jobEntries(),
  {
    key: 'Query.viewer', chain: 'identity token', scopes: () => [],
    call: () => gql('viewer', '{ viewer { userId roles } }'), foreign: { notApplicable: 'answers with the caller’s own identity only' },
  },
  { key: 'Query.jobs', chain: 'identity token', scopes: () => [], call: () => page('jobs'), foreign: ownList },
  { key: 'Query.jobTypes', chain: 'identity token', scopes: () => [], call: () => gql('jobTypes', '{ jobTypes }'), foreign: ownList },
  {
    key: 'Query.queues', chain: 'operations read', scopes: () => ['queues:read'],
    call: () => gql('queues', '{ queues { queues { name waiting } reconciler { lastRunAt } } }'),
    foreign: { notApplicable: 'counts of the whole platform’s queues: no client owns them, and no job is shown' },
  },
  {
    key: 'POST /v1/device-registry-jobs', chain: 'device-registry write', scopes: () => ['device_registry:write'],
    call: () => csvUpload('/v1/device-registry-jobs?registerType=MANUFACTURER&reasonDescription=x', registryCsv), foreign: creates,
  },
  {
    key: 'Mutation.uploadDeviceRegistry', chain: 'device-registry write', scopes: () => ['device_registry:write'],
    call: () => gql('uploadDeviceRegistry', 'mutation ($csv: String!) { uploadDeviceRegistry(input: { registerType: "MANUFACTURER", reasonDescription: "x", csvData: $csv }) { __typename } }', { csv: registryCsv }),
    foreign: creates,
  },
  {
    key: 'Query.deviceRegistryJob', chain: 'device-registry read', scopes: () => ['device_registry_job:read'],
    call: (w) => gql('deviceRegistryJob', 'query ($id: ID!) { deviceRegistryJob(id: $id) { id } }', { id: toGlobalId('DeviceRegistryJob', w.jobs['device registry']) }),
    foreign: () => 'null',
  },
  { key: 'Query.deviceRegistryJobs', chain: 'device-registry read', scopes: () => ['device_registry_job:read'], call: () => page('deviceRegistryJobs'), foreign: ownList },
  { key: 'POST /v1/destinations', chain: 'destinations write', scopes: () => ['create_destination'], call: () => json('POST', '/v1/destinations', { name: 'Bauamt' }), foreign: creates },
  { key: 'GET /v1/destinations', chain: 'destinations read', scopes: () => ['create_destination'], call: () => json('GET', '/v1/destinations'), foreign: ownList },
  { key: 'Query.destinations', chain: 'destinations read', scopes: () => ['create_destination'], call: () => page('destinations'), foreign: ownList },
  ...([
    ['GET /v1/destinations/:destinationId', 'destinations read', (w: World) => json('GET', `/v1/destinations/${w.destinationId}`)],
    ['DELETE /v1/destinations/:destinationId', 'destinations write', (w: World) => json('DELETE', `/v1/destinations/${w.destinationId}`)],
    ['PATCH /v1/destinations/:destinationId', 'destinations write', (w: World) => json('PATCH', `/v1/destinations/${w.destinationId}`, { status: 'inactive' })],
    ['POST /v1/destination-transitions', 'destinations write', (w: World) => json('POST', '/v1/destination-transitions', { destinationIds: [w.destinationId], status: 'inactive' })],
    ['POST /v1/cases/:caseId/events', 'destinations write', (w: World) => json('POST', `/v1/cases/${w.caseId}/events`, { event: 'received', expiresAt: '2099-01-01T00:00:00Z' })],
    ['POST /v1/cases/:caseId/replies', 'destinations write', (w: World) => json('POST', `/v1/cases/${w.caseId}/replies`, {})],
    ['Query.destination', 'destinations read', (w: World) => gql('destination', 'query ($id: ID!) { destination(id: $id) { id } }', { id: toGlobalId('Destination', w.destinationId) })],
  ] as const).map(([key, chain, call]): Entry => ({
    key, chain, scopes: (w) => [manage(w.destinationId)], call,
    // The scope names the destination: another client's caller holds its own destinations' only.
    foreign: (owner) => missingScope([manage(owner.destinationId)]),
  })),
  {
    key: 'POST /v1/destinations/:destinationId/submissions', chain: 'destinations write',
    scopes: (w) => [`send:destination:${w.destinationId}`],
    missing: (w) => [`send:destination:${w.destinationId}`, 'send:region:DE'],
    call: (w) => json('POST', `/v1/destinations/${w.destinationId}/submissions`, {}),
    foreign: (owner) => missingScope([`send:destination:${owner.destinationId}`, 'send:region:DE']),
  },
  { key: 'POST /v1/merge-candidates', chain: 'merge-review write', scopes: () => ['merge_candidate:write'], call: () => csvUpload('/v1/merge-candidates', candidateCsv), foreign: creates },
  {
    key: 'Query.mergeRequest', chain: 'merge-review read', scopes: () => ['merge_request:read'],
    call: (w) => gql('mergeRequest', 'query ($id: ID!) { mergeRequest(id: $id) { id } }', { id: toGlobalId('MergeRequest', w.mergeRequestId) }),
    foreign: () => 'null',
  },
  { key: 'Query.mergeRequests', chain: 'merge-review read', scopes: () => ['merge_request:read'], call: () => page('mergeRequests'), foreign: ownList },
  {
    key: 'Mutation.updateMergeRequest', chain: 'merge-review review', scopes: () => ['merge_request:write'],
    call: (w) => gql('updateMergeRequest', 'mutation ($id: ID!) { updateMergeRequest(input: { id: $id, status: POSTPONE }) { __typename } }', { id: toGlobalId('MergeRequest', w.mergeRequestId) }),
    foreign: () => ({ code: 'FORBIDDEN', message: mergeMessages.notAssignee }),
  },
  {
    key: 'Mutation.assignMergeCandidate', chain: 'merge-review review', scopes: () => ['merge_candidate:assign'],
    call: () => gql('assignMergeCandidate', 'mutation { assignMergeCandidate { __typename } }'), foreign: creates,
  },
  { key: 'Query.services', chain: 'service-catalog read', scopes: () => ['service_catalog:read'], call: () => page('services'), foreign: sharedCatalog },
  { key: 'Query.serviceGroups', chain: 'service-catalog read', scopes: () => ['service_catalog:read'], call: () => page('serviceGroups'), foreign: sharedCatalog },
  catalog('createService', '{ name: "X-ray", code: "XR", category: "DIAGNOSTIC_PROCEDURE" }'),
  catalog('updateService', `{ id: "${someService}", requestAllowed: false }`),
  catalog('deactivateService', `{ id: "${someService}" }`),
  catalog('createServiceGroup', '{ name: "Imaging", code: "IMG", requestAllowed: true }'),
  catalog('updateServiceGroup', `{ id: "${someGroup}", requestAllowed: false }`),
  catalog('deactivateServiceGroup', `{ id: "${someGroup}" }`),
  catalog('addServiceToGroup', `{ serviceId: "${someService}", serviceGroupId: "${someGroup}" }`),
  catalog('deleteServiceFromGroup', `{ serviceId: "${someService}", serviceGroupId: "${someGroup}" }`),
  {
    key: 'POST /v1/webhooks', chain: 'webhooks write', scopes: () => ['webhooks:manage'],
    call: () => json('POST', '/v1/webhooks', { url: 'https://93.184.215.14/hooks', events: ['job.ended'] }), foreign: creates,
  },
  { key: 'GET /v1/webhooks', chain: 'webhooks read', scopes: () => ['webhooks:read'], call: () => json('GET', '/v1/webhooks'), foreign: ownList },
  ...([
    ['DELETE /v1/webhooks/:webhookId', 'webhooks write', 'webhooks:manage', (w: World) => json('DELETE', `/v1/webhooks/${w.webhookId}`)],
    ['POST /v1/webhooks/:webhookId/rotate-secret', 'webhooks write', 'webhooks:manage', (w: World) => json('POST', `/v1/webhooks/${w.webhookId}/rotate-secret`)],
    ['GET /v1/webhooks/:webhookId/deliveries', 'webhooks read', 'webhooks:read', (w: World) => json('GET', `/v1/webhooks/${w.webhookId}/deliveries`)],
  ] as const).map(([key, chain, scope, call]): Entry => ({
    key, chain, scopes: () => [scope], call,
    // Endpoints are the caller's client's own: another client's is not found, not forbidden.
    foreign: (owner) => notFound(`Webhook endpoint ${owner.webhookId} not found`)(),
  })),
];
