/**
 * Accepting manual merge candidates (SPEC §5, issue 5), as a CSV stream or a JSON array. The api
 * checks what only the whole upload can tell (a CSV's header row and that it has a data line; that a
 * JSON body is an array of 1 to 100,000 objects with known fields) and stores one task per
 * candidate with COPY before answering; the workers check each candidate and write it.
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CsvTaskFile, type CsvUpload } from '../csv';
import { type JobWrite, submit } from '../engine';
import { DomainError, type InputError } from '../platform';
import { mergeCandidateImportJob } from './candidate-import-job';
import { candidateHeaderProblems, isCandidateColumn, maxJsonCandidates } from './candidate-rules';

/**
 * Who uploads: the job belongs to the client, the user is the candidates' audit actor. With an
 * idempotency key the client used before, that job is returned (`created: false`) and the upload
 * is not read.
 */
export interface CandidateUploader {
  clientId: string;
  userId: string;
  idempotencyKey?: string | null;
}

/**
 * Checks the header, streams one task per data record into the job (`meta.csvDataLine`, the raw
 * record as `input`), commits, then queues the chunks; the job's meta keeps the header, which the
 * workers and the error report read the records by. Throws UNPROCESSABLE_ENTITY (with
 * `inputErrors`) for a bad header, no data line or a file that is not UTF-8, and
 * PAYLOAD_TOO_LARGE past `maxBytes`; nothing is stored then.
 */
export function submitCandidateCsv(em: EntityManager, queue: Queue, upload: CsvUpload & CandidateUploader): Promise<JobWrite> {
  const file = new CsvTaskFile(upload, candidateHeaderProblems);
  return submit(em, queue, mergeCandidateImportJob, {
    clientId: upload.clientId,
    userId: upload.userId,
    idempotencyKey: upload.idempotencyKey ?? null,
    chunkSize: upload.chunkSize,
    tasks: file.tasks(),
    receive: (create) => file.receive(create),
    meta: () => ({ source: 'csv' as const, csvHeader: file.csvHeader() }),
  });
}

/** At most this many `inputErrors` are listed: enough to fix a body, never a 100,000-entry answer. */
const maxListedProblems = 20;

function itemProblems(item: unknown, at: number): InputError[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return [{ path: `$[${at}]`, message: 'must be a JSON object' }];
  return Object.keys(item).flatMap((key) => (isCandidateColumn(key) ? [] : [{ path: `$[${at}].${key}`, message: 'is not a merge candidate field' }]));
}

/**
 * The items of a JSON body: an array of 1 to `maxJsonCandidates` objects whose fields are all
 * candidate columns. Values are the workers' to check, per candidate. Else UNPROCESSABLE_ENTITY
 * naming each problem by its JSON path.
 */
export function candidateItems(body: unknown): Record<string, unknown>[] {
  const refuse = (inputErrors: InputError[]): DomainError => new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });
  if (!Array.isArray(body)) throw refuse([{ path: '$', message: 'must be a JSON array of merge candidates' }]);
  if (body.length === 0) throw refuse([{ path: '$', message: 'must hold at least one merge candidate' }]);
  if (body.length > maxJsonCandidates) throw refuse([{ path: '$', message: `must hold at most ${maxJsonCandidates} merge candidates, not ${body.length}` }]);
  const problems: InputError[] = [];
  for (let at = 0; at < body.length && problems.length < maxListedProblems; at += 1) problems.push(...itemProblems(body[at], at));
  if (problems.length > 0) throw refuse(problems.slice(0, maxListedProblems));
  return body as Record<string, unknown>[];
}

/**
 * One task per item of a checked JSON body (`candidateItems`): `meta.index` is its position in the
 * array, `input` its JSON. Commits, then queues the chunks.
 */
export function submitCandidateJson(em: EntityManager, queue: Queue, items: readonly Record<string, unknown>[], uploader: CandidateUploader): Promise<JobWrite> {
  return submit(em, queue, mergeCandidateImportJob, {
    clientId: uploader.clientId,
    userId: uploader.userId,
    idempotencyKey: uploader.idempotencyKey ?? null,
    tasks: items.map((item, index) => ({ meta: { index }, input: JSON.stringify(item) })),
    meta: { source: 'json' },
  });
}
