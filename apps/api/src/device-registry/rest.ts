/**
 * `POST /v1/device-registry-jobs`: the streaming upload of a registry CSV (SPEC §3). The job is
 * durable in Postgres (job, tasks, raw records) before the 202, so any worker on any machine can
 * run it; the api's memory does not grow with the file.
 */
import { checkFields, deviceRegistryWrite, submitDeviceRegistryUpload } from '@jabba/domain/device-registry';
import { DomainError } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { acceptedJob, jobPath, uploadResponses } from '../jobs/job-view';
import { uploadRequest } from '../platform/upload-docs';
import { createRoute, documented, needsToken, openApiRoutes, type OpenApiRoutes, z } from '../platform/openapi';
import { refuseDeclaredSize, validated } from '../platform/json-body';
import { importLimits, uploadBody } from '../platform/upload-body';
import type { UploadSlots } from '../platform/upload-slots';
import { idempotencyKeyHeader } from '../platform/idempotency-key';

const registerType = z.string().max(255).openapi({ description: 'Required: in the form, or in the query with a text/csv body', example: 'MEDICAL_DEVICE' });
const reasonDescription = z.string().max(2000).openapi({ description: 'Required: in the form, or in the query with a text/csv body', example: 'Q3 registry' });
const dryRunQuery = z.object({
  dryRun: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').openapi({
    description: '`true`: every record is checked as in an import and the tasks say what would fail, but no device is created; the job\'s `meta.dryRun` says so. In the query even with a form body: a form field `dryRun` that says otherwise is a 422',
  }),
});

/**
 * `dryRun` is read before the body (a replayed Idempotency-Key is answered first, and it must agree
 * with it), so only the query can say it. A form field that disagrees is refused: ignored, a
 * `dryRun=true` in a form would run the import for real.
 */
function refuseFormDryRun(fields: Record<string, string>, dryRun: boolean): void {
  if ((fields.dryRun ?? String(dryRun)) === String(dryRun)) return;
  const message = 'dryRun is read from the query string only (?dryRun=true), not from the form';
  throw new DomainError('UNPROCESSABLE_ENTITY', message, { inputErrors: [{ path: '$.dryRun', message }] });
}

const upload = createRoute({
  method: 'post', path: '/v1/device-registry-jobs', tags: ['Device registry'], security: needsToken, summary: 'Upload a device registry CSV',
  description: 'The file streams into a job (durable before the answer); follow it at `Location`. A key the client used before answers that job with 200 (409 if that job was for another type, or its `dryRun` differs).',
  request: {
    query: z.object({ registerType: registerType.optional(), reasonDescription: reasonDescription.optional(), ...dryRunQuery.shape }),
    ...uploadRequest({ registerType, reasonDescription }),
  },
  responses: uploadResponses,
});

export function deviceRegistryRoutes(deps: ApiDeps, slots: UploadSlots): OpenApiRoutes {
  const routes = openApiRoutes();
  const maxBytes = deps.config.IMPORT_MAX_BYTES;

  documented(routes, upload, async (c) => {
    const ctx = c.var.requestContext;
    const principal = await ctx.authorize(deviceRegistryWrite);
    // Refuse what is announced too large before reading a byte; chunked bodies are counted as they come.
    refuseDeclaredSize(c.req.raw, 'file', maxBytes);
    const idempotencyKey = idempotencyKeyHeader(c.req.raw);
    const query = c.req.query();
    const dryRun = validated(dryRunQuery, query).dryRun === 'true';
    const { job, created } = await slots.run(async () => {
      const body = await uploadBody(c.req.raw, query, maxBytes);
      // A plain CSV body has its fields in the query: check them before reading the file.
      if (body.path === '$.body') checkFields(query);
      return submitDeviceRegistryUpload(ctx.em, deps.tasksQueue, {
        csv: body.bytes,
        fields: () => {
          refuseFormDryRun(body.fields, dryRun);
          return body.fields;
        },
        clientId: principal.client.id,
        userId: principal.token.userId,
        idempotencyKey,
        dryRun,
        ...importLimits(deps.config),
        csvPath: body.path,
      });
    });
    c.header('Location', jobPath(job.id));
    return c.json(acceptedJob(job), created ? 202 : 200);
  });

  return routes;
}
