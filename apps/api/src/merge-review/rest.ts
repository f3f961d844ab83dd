/**
 * `POST /v1/merge-candidates` (SPEC §5, issue 5): manual merge candidates in bulk, as a streamed
 * CSV (`text/csv`) or a JSON array (`application/json`), become one `import_manual_merge_candidates`
 * job with a task per candidate. The job is durable in Postgres before the 202, so any worker can
 * run it; its progress is `GET /v1/jobs/{id}`, for the client that created it. An `Idempotency-Key`
 * works as on the device registry upload: a key the client used before answers that job (200).
 */
import { HTTPException } from 'hono/http-exception';
import type { JobWrite } from '@jabba/domain/engine';
import { candidateColumns, candidateItems, importCandidates, maxJsonCandidates, submitCandidateCsv, submitCandidateJson } from '@jabba/domain/merge-review';
import type { ApiDeps } from '../platform/deps';
import { acceptedJob, jobPath, uploadResponses } from '../jobs/job-view';
import { idempotencyKeyDoc } from '../platform/upload-docs';
import { createRoute, documented, needsToken, openApiRoutes, type OpenApiRoutes, z } from '../platform/openapi';
import { readJson, refuseDeclaredSize } from '../platform/json-body';
import { importLimits, uploadBody } from '../platform/upload-body';
import type { UploadSlots } from '../platform/upload-slots';
import { idempotencyKeyHeader } from '../platform/idempotency-key';

/**
 * A JSON body is read and parsed whole (a CSV streams), so it has a bound of its own below
 * IMPORT_MAX_BYTES: 100,000 candidates with every detail at its longest fit well within it.
 */
const maxJsonBytes = 128 * 1024 * 1024;

const mediaTypes = ['text/csv', 'application/json'] as const;
type MediaType = (typeof mediaTypes)[number];

function mediaTypeOf(request: Request): MediaType {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if ((mediaTypes as readonly string[]).includes(mediaType)) return mediaType as MediaType;
  throw new HTTPException(415, { message: 'Send the merge candidates as text/csv or as an application/json array' });
}

// Documentation only: the handler checks a JSON body with candidateItems and streams a CSV.
const candidateJson = z
  .array(z.strictObject(Object.fromEntries(candidateColumns.map((column) => [column, z.unknown()]))))
  .min(1)
  .max(maxJsonCandidates)
  .openapi({ description: 'The candidates, each with fields among the CSV\'s columns (values are checked per candidate by the job)' });

const upload = createRoute({
  method: 'post', path: '/v1/merge-candidates', tags: ['Merge review'], security: needsToken, summary: 'Import manual merge candidates',
  request: {
    headers: idempotencyKeyDoc,
    body: {
      required: true,
      content: {
        'text/csv': { schema: z.string().openapi({ description: `A header line naming columns among ${candidateColumns.join(', ')}, then one candidate per line (streamed, up to IMPORT_MAX_BYTES)` }) },
        'application/json': { schema: candidateJson },
      },
    },
  },
  responses: uploadResponses,
});

export function mergeCandidateRoutes(deps: ApiDeps, slots: UploadSlots): OpenApiRoutes {
  const routes = openApiRoutes();
  const maxBytes = deps.config.IMPORT_MAX_BYTES;
  const maxJson = Math.min(maxBytes, maxJsonBytes);

  documented(routes, upload, async (c) => {
    const ctx = c.var.requestContext;
    const principal = await ctx.authorize(importCandidates);
    const mediaType = mediaTypeOf(c.req.raw);
    const uploader = { clientId: principal.client.id, userId: principal.token.userId, idempotencyKey: idempotencyKeyHeader(c.req.raw) };
    if (mediaType === 'text/csv') refuseDeclaredSize(c.req.raw, 'file', maxBytes);
    const { job, created } = await slots.run(async (): Promise<JobWrite> => {
      if (mediaType === 'application/json') {
        const items = candidateItems(await readJson(c.req.raw, maxJson));
        return submitCandidateJson(ctx.em, deps.tasksQueue, items, uploader);
      }
      const body = await uploadBody(c.req.raw, {}, maxBytes);
      return submitCandidateCsv(ctx.em, deps.tasksQueue, { csv: body.bytes, ...importLimits(deps.config), csvPath: body.path, ...uploader });
    });
    c.header('Location', jobPath(job.id));
    return c.json(acceptedJob(job), created ? 202 : 200);
  });

  return routes;
}
