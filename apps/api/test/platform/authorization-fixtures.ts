/**
 * What the authorization matrix needs of the world: the objects one client owns (jobs of every
 * job type, destinations, a case, a merge request assigned to its user, a webhook endpoint), made fresh for each
 * caller, and the requests the matrix sends (REST or GraphQL), with their answers reduced to what a
 * refusal is made of: a code, a message, the missing allowances.
 */
import { randomUUID } from 'node:crypto';
import { createJob } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { createSubmission, destinationTransitionJob } from '@jabba/domain/destinations';
import { mergeCandidateImportJob } from '@jabba/domain/merge-review';
import { createEndpoint } from '@jabba/domain/webhooks';
import type { Client } from '@jabba/domain/identity';
import type { TestApi } from '../support';

/** The client and user a caller acts as. */
export interface Party {
  client: Client;
  userId: string;
}

export type JobKind = 'device registry' | 'merge candidate import' | 'destination transition';

/** One client's objects; every matrix request names some of them. */
export interface World {
  jobs: Record<JobKind, string>;
  /** An active destination, with one case (from a submission). */
  destinationId: string;
  caseId: string;
  /** Its user's NEW merge request. */
  mergeRequestId: string;
  /** A webhook endpoint of the client. */
  webhookId: string;
}

export async function worldOf(api: TestApi, { client, userId }: Party): Promise<World> {
  const em = api.em();
  const [destination] = await em.execute<{ id: string }[]>(
    `insert into destinations (name, client_id, status, status_changed_at) values ('Bauamt', ?, 'active', now()) returning id`,
    [client.id],
  );
  const destinationId = destination!.id;
  const submission = await createSubmission(em, { destinationId, payload: {} });
  const job = async (type: string, tasks: { meta?: unknown }[]) => (await createJob(em, { type, strategy: 'CONCURRENT', clientId: client.id, tasks })).job.id;
  const jobs: Record<JobKind, string> = {
    'device registry': await job(deviceRegistryJob.type, [{ meta: { csvDataLine: 2 } }]),
    'merge candidate import': await job(mergeCandidateImportJob.type, [{ meta: { csvDataLine: 2 } }]),
    'destination transition': await job(destinationTransitionJob.type, [{ meta: { destinationId, status: 'inactive' } }]),
  };
  const [personId, masterPersonId] = [randomUUID(), randomUUID()];
  await em.execute('insert into persons (id) values (?), (?)', [personId, masterPersonId]);
  const [candidate] = await em.execute<{ id: string }[]>(
    'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, assignee_id) values (?, ?, ?, ?) returning id',
    [randomUUID(), personId, masterPersonId, userId],
  );
  const [request] = await em.execute<{ id: string }[]>(
    `insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'NEW') returning id`,
    [candidate!.id, userId],
  );
  const webhook = await createEndpoint(em, { clientId: client.id, url: 'https://93.184.215.14/hooks', events: ['job.ended'] });
  return { jobs, destinationId, caseId: submission.caseId, mergeRequestId: request!.id, webhookId: webhook.id };
}

/** A request of the matrix: REST, or one GraphQL field. */
export type Call =
  | { rest: { method: string; path: string; body?: string; contentType?: string } }
  | { graphql: { field: string; query: string; variables?: Record<string, unknown> } };

/** An answer as the matrix judges it: null when the call was not refused at all. */
export interface Refusal {
  code: string;
  message: string;
  missingAllowances?: string[];
}

export interface Answer {
  refusal: Refusal | null;
  /** GraphQL only: the field's value was null (what a read answers for an object it hides). */
  nullField: boolean;
  /** REST only. */
  status?: number;
}

const codeOfStatus: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 422: 'UNPROCESSABLE_ENTITY' };

export async function send(api: TestApi, call: Call, bearer: string | null, app = api.app): Promise<Answer> {
  const authorization: Record<string, string> = bearer === null ? {} : { Authorization: `Bearer ${bearer}` };
  if ('rest' in call) {
    const { method, path, body, contentType = 'application/json' } = call.rest;
    const response = await app.request(path, { method, headers: { ...authorization, ...(body === undefined ? {} : { 'Content-Type': contentType }) }, ...(body === undefined ? {} : { body }) });
    // An event stream of a job still running never ends: that it started is the answer.
    if (response.headers.get('Content-Type')?.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { refusal: null, nullField: false, status: response.status };
    }
    const text = await response.text();
    if (response.status < 400) return { refusal: null, nullField: false, status: response.status };
    const problem = JSON.parse(text) as { detail: string; missingAllowances?: string[] };
    return {
      status: response.status,
      nullField: false,
      refusal: {
        code: codeOfStatus[response.status] ?? String(response.status),
        message: problem.detail,
        ...(problem.missingAllowances ? { missingAllowances: problem.missingAllowances } : {}),
      },
    };
  }
  const { field, query, variables } = call.graphql;
  const response = await app.request('/graphql', {
    method: 'POST',
    headers: { ...authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string; exception?: { missingAllowances?: string[] } } }[] };
  const [error] = body.errors ?? [];
  const nullField = body.data?.[field] === null;
  if (!error) return { refusal: null, nullField };
  const missing = error.extensions?.exception?.missingAllowances;
  return { nullField, refusal: { code: error.extensions?.code ?? 'NONE', message: error.message, ...(missing ? { missingAllowances: missing } : {}) } };
}
