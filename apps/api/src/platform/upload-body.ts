/**
 * An upload's body as a byte stream plus its form fields, without buffering it: `text/csv` is the
 * body itself (fields in the query string); `multipart/form-data` is parsed with busboy as it
 * arrives, the `file` part streamed and the other parts collected as fields.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { HTTPException } from 'hono/http-exception';
import { DomainError } from '@jabba/domain/platform';
import type { ApiConfig } from '../config';

export interface UploadBody {
  /** The file's bytes; when it ends, every form field (even one sent after the file) is in `fields`. */
  bytes: AsyncIterable<Uint8Array>;
  fields: Record<string, string>;
  /** Where errors about the file point (`inputErrors[].path`). */
  path: string;
}

/** The bounds of a CSV upload, as the domain's `CsvUpload` takes them. */
export const importLimits = (config: ApiConfig) => ({
  maxBytes: config.IMPORT_MAX_BYTES,
  maxRecords: config.IMPORT_MAX_RECORDS,
  maxRecordBytes: config.IMPORT_MAX_RECORD_BYTES,
});

export const unsupportedMediaType = (): HTTPException =>
  new HTTPException(415, { message: 'Send the CSV as the body with Content-Type text/csv, or as multipart/form-data with a "file" part' });

const nodeStream = (request: Request): Readable => {
  if (!request.body) throw new DomainError('UNPROCESSABLE_ENTITY', 'The request has no body: send the CSV file');
  return Readable.fromWeb(request.body as WebReadableStream<Uint8Array>);
};

async function multipart(request: Request, contentType: string): Promise<UploadBody> {
  const fields: Record<string, string> = {};
  const malformed = (error: unknown): DomainError =>
    new DomainError('UNPROCESSABLE_ENTITY', `The multipart body is malformed: ${error instanceof Error ? error.message : String(error)}`);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 5, fields: 20 } });
  } catch (error) {
    throw malformed(error);
  }
  const closed = new Promise<void>((resolve, reject) => {
    parser.once('close', resolve);
    parser.once('error', (error: Error) => reject(malformed(error)));
  });
  // Awaited only once the file has streamed; a parse error before that must not count as unhandled.
  closed.catch(() => undefined);
  const file = new Promise<Readable>((resolve, reject) => {
    parser.on('file', (name, stream) => {
      // busboy destroys the part in progress with its parse error; reading the part raises it again.
      stream.on('error', () => undefined);
      if (name === 'file') resolve(stream);
      else stream.resume();
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.once('error', (error: Error) => reject(malformed(error)));
    parser.once('close', () => reject(new DomainError('UNPROCESSABLE_ENTITY', 'The multipart body has no "file" part', { inputErrors: [{ path: '$.file', message: 'is required' }] })));
  });
  nodeStream(request).pipe(parser);
  const stream = await file;
  async function* bytes(): AsyncIterable<Uint8Array> {
    try {
      yield* stream as AsyncIterable<Uint8Array>;
    } catch (error) {
      throw malformed(error);
    }
    // Fields after the file part are parsed only once the file has been read.
    await closed;
  }
  return { bytes: bytes(), fields, path: '$.file' };
}

export async function uploadBody(request: Request, query: Record<string, string>): Promise<UploadBody> {
  const contentType = request.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'text/csv') return { bytes: nodeStream(request), fields: query, path: '$.body' };
  if (mediaType === 'multipart/form-data') {
    const body = await multipart(request, contentType);
    // Query parameters fill in what the form does not give (form fields still to come overwrite them).
    for (const [name, value] of Object.entries(query)) body.fields[name] ??= value;
    return body;
  }
  throw unsupportedMediaType();
}
