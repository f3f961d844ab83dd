/**
 * How a streamed CSV upload is documented: `text/csv` (the file as the body) or
 * `multipart/form-data` (a `file` part plus fields). The schemas are the document's only: the body
 * is never handed to a validator, which would buffer it; upload-body.ts streams it.
 */
import { maxIdempotencyKeyLength } from './idempotency-key';
import { z } from './openapi';

export const idempotencyKeyDoc = z.object({
  'idempotency-key': z.string().min(1).max(maxIdempotencyKeyLength).optional().openapi({
    description: 'Makes a retried upload safe: a key the client used before answers that job (200) without reading the body; 409 while that upload is still being read',
  }),
});

/** The request of an upload whose form carries `fields` besides the file. */
export const uploadRequest = (fields: Record<string, z.ZodType>) => ({
  headers: idempotencyKeyDoc,
  body: {
    required: true,
    description: 'Read as it streams, counted against IMPORT_MAX_BYTES (every byte of a form, fields included)',
    content: {
      'text/csv': { schema: z.string().openapi({ description: 'The CSV file itself, UTF-8, header line first' }) },
      'multipart/form-data': {
        schema: z.object({ file: z.string().openapi({ format: 'binary', description: 'The CSV file: exactly one part named `file`' }), ...fields }),
        encoding: { file: { contentType: 'text/csv' } },
      },
    },
  },
});
