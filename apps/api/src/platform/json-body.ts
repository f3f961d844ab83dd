/**
 * JSON request bodies for REST routes: read up to a bound (counted as they stream, so a chunked
 * body cannot get past it either), parsed, checked against a zod schema, and refused as one 422
 * problem whose `inputErrors` name each bad field by its JSON path (`$.status`).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import type { z } from 'zod';
import { DomainError, payloadTooLarge, type InputError } from '@jabba/domain/platform';
import type { AppEnv } from './request-scope';

/** The bound of an ordinary JSON body (a destination, an event): far above any honest one. */
export const maxJsonBody = 1024 * 1024;

/**
 * The bound of a GraphQL request: a query and its variables, the largest of which is
 * `uploadDeviceRegistry`'s `csvData`, meant for files small enough to send as a string (larger ones
 * stream through the REST upload).
 */
export const maxGraphqlBody = 16 * 1024 * 1024;

const jsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), '$');

export function validated<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const inputErrors: InputError[] = parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
  throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });
}

/** Refuses a body whose `Content-Length` announces more than `limit` bytes, before reading a byte. */
export function refuseDeclaredSize(request: Request, what: 'file' | 'JSON body', limit: number): void {
  if (Number(request.headers.get('content-length')) > limit) throw payloadTooLarge(what, limit);
}

/** The parsed JSON body, read up to `limit` bytes; undefined when there is no body or only space. */
export async function readJson(request: Request, limit: number): Promise<unknown> {
  refuseDeclaredSize(request, 'JSON body', limit);
  if (!request.body) return undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of Readable.fromWeb(request.body as WebReadableStream<Uint8Array>) as AsyncIterable<Buffer>) {
    bytes += chunk.byteLength;
    if (bytes > limit) throw payloadTooLarge('JSON body', limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('BAD_REQUEST', 'The request body is not valid JSON');
  }
}

/** The JSON body checked against `schema`; no body at all is `{}`, so a required field is named. */
export async function jsonBody<T>(c: Context<AppEnv>, schema: z.ZodType<T>): Promise<T> {
  return validated(schema, (await readJson(c.req.raw, maxJsonBody)) ?? {});
}
