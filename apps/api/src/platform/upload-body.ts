/**
 * An upload's body as a byte stream plus its form fields, without buffering it: `text/csv` is the
 * body itself (fields in the query string); `multipart/form-data` is parsed with busboy as it
 * arrives, the one `file` part streamed and the other parts collected as fields. Every byte of a
 * form counts toward IMPORT_MAX_BYTES, fields and other parts included; a second `file` part, too
 * many or too long fields end the upload at once with a problem naming the part.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { HTTPException } from 'hono/http-exception';
import { DomainError, isDomainError, payloadTooLarge } from '@jabba/domain/platform';
import type { ApiConfig } from '../config';

export interface UploadBody {
  /** The file's bytes; when it ends, every form field (even one sent after the file) is in `fields`. */
  bytes: AsyncIterable<Uint8Array>;
  fields: Record<string, string>;
  /** Where errors about the file point (`inputErrors[].path`). */
  path: string;
}

/** The bounds of a CSV upload, and the chunk size of the job it makes, as the domain's `CsvUpload` takes them. */
export const importLimits = (config: ApiConfig) => ({
  maxBytes: config.IMPORT_MAX_BYTES,
  maxRecords: config.IMPORT_MAX_RECORDS,
  maxRecordBytes: config.IMPORT_MAX_RECORD_BYTES,
  chunkSize: config.IMPORT_CHUNK_SIZE,
});

// A form's fields are short texts (the longest, reasonDescription, allows 2,000 characters).
const maxFieldBytes = 64 * 1024;
const maxFields = 20;

export const unsupportedMediaType = (): HTTPException =>
  new HTTPException(415, { message: 'Send the CSV as the body with Content-Type text/csv, or as multipart/form-data with a "file" part' });

const fieldTooLong = (name: string): DomainError => {
  const message = `The field ${name} is longer than ${maxFieldBytes} bytes`;
  return new DomainError('PAYLOAD_TOO_LARGE', message, { inputErrors: [{ path: `$.${name}`, message }] });
};

const malformed = (error: unknown): DomainError =>
  new DomainError('UNPROCESSABLE_ENTITY', `The multipart body is malformed: ${error instanceof Error ? error.message : String(error)}`);

/** The client closed the connection, or Node's request timeout did, before the body ended. */
const cutOff = (error: unknown): DomainError =>
  isDomainError(error) ? error : new DomainError('BAD_REQUEST', 'The request body ended before it was complete');

const nodeStream = (request: Request): Readable => {
  if (!request.body) throw new DomainError('UNPROCESSABLE_ENTITY', 'The request has no body: send the CSV file');
  const stream = Readable.fromWeb(request.body as WebReadableStream<Uint8Array>);
  // A client may go away before the body is read (while the job's idempotency key is looked up):
  // the stream's error event would then have no listener and end the process. Reading it later
  // still raises the error.
  stream.on('error', () => undefined);
  return stream;
};

async function* guarded(bytes: AsyncIterable<Uint8Array>, wrap: (error: unknown) => DomainError): AsyncIterable<Uint8Array> {
  try {
    yield* bytes;
  } catch (error) {
    throw wrap(error);
  }
}

/** Feeds the raw body to busboy, counting every byte against `maxBytes`; stops once `signal` aborts. */
async function pump(raw: Readable, parser: busboy.Busboy, maxBytes: number, fail: (error: DomainError) => void, signal: AbortSignal): Promise<void> {
  let bytes = 0;
  try {
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) return fail(payloadTooLarge('file', maxBytes));
      if (!parser.write(chunk)) await once(parser, 'drain', { signal });
      if (signal.aborted) return;
    }
    parser.end();
  } catch (error) {
    if (!signal.aborted) fail(cutOff(error));
  }
}

async function multipart(request: Request, contentType: string, maxBytes: number): Promise<UploadBody> {
  const fields: Record<string, string> = {};
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: maxFieldBytes, fields: maxFields } });
  } catch (error) {
    throw malformed(error);
  }
  const raw = nodeStream(request);
  const stop = new AbortController();
  let file: Readable | null = null;
  let failed = false;
  let closedSettle: { resolve: () => void; reject: (error: DomainError) => void } | undefined;
  let fileSettle: { resolve: (file: Readable) => void; reject: (error: DomainError) => void } | undefined;
  // Awaited only once the file has streamed; a failure before that must not count as unhandled.
  const closed = new Promise<void>((resolve, reject) => (closedSettle = { resolve, reject }));
  closed.catch(() => undefined);
  const fileArrived = new Promise<Readable>((resolve, reject) => (fileSettle = { resolve, reject }));

  /** Ends the upload with `error`: whoever waits (for the file, its bytes or the end) gets it at once. */
  const fail = (error: DomainError): void => {
    if (failed) return;
    failed = true;
    stop.abort();
    closedSettle!.reject(error);
    fileSettle!.reject(error);
    file?.destroy(error);
  };

  parser.on('file', (name, stream) => {
    // busboy destroys the part in progress with its parse error; reading the part raises it again.
    stream.on('error', () => undefined);
    if (name !== 'file' || failed || file !== null) {
      // Unread, a part would stall the parser: drained, it still counts toward the size limit.
      stream.resume();
      if (name === 'file' && !failed) {
        fail(new DomainError('UNPROCESSABLE_ENTITY', 'The multipart body has more than one "file" part', { inputErrors: [{ path: '$.file', message: 'is given more than once' }] }));
      }
      return;
    }
    file = stream;
    fileSettle!.resolve(stream);
  });
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) fail(fieldTooLong(name));
    fields[name] = value;
  });
  parser.once('fieldsLimit', () => fail(new DomainError('PAYLOAD_TOO_LARGE', `The form has more than ${maxFields} fields`)));
  parser.once('error', (error: Error) => fail(malformed(error)));
  parser.once('close', () => {
    closedSettle!.resolve();
    fileSettle!.reject(new DomainError('UNPROCESSABLE_ENTITY', 'The multipart body has no "file" part', { inputErrors: [{ path: '$.file', message: 'is required' }] }));
  });
  void pump(raw, parser, maxBytes, fail, stop.signal);

  const stream = await fileArrived;
  async function* bytes(): AsyncIterable<Uint8Array> {
    try {
      yield* guarded(stream as AsyncIterable<Uint8Array>, (error) => (isDomainError(error) ? error : malformed(error)));
      // Fields after the file part are parsed only once the file has been read.
      await closed;
    } finally {
      // A reader that stops early (a refused header) stops the pump too, instead of leaving it
      // waiting on a parser nobody drains.
      stop.abort();
    }
  }
  return { bytes: bytes(), fields, path: '$.file' };
}

export async function uploadBody(request: Request, query: Record<string, string>, maxBytes: number): Promise<UploadBody> {
  const contentType = request.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'text/csv') return { bytes: guarded(nodeStream(request), cutOff), fields: query, path: '$.body' };
  if (mediaType === 'multipart/form-data') {
    const body = await multipart(request, contentType, maxBytes);
    // Query parameters fill in what the form does not give (form fields still to come overwrite them).
    for (const [name, value] of Object.entries(query)) body.fields[name] ??= value;
    return body;
  }
  throw unsupportedMediaType();
}
