/**
 * `POST /v1/device-registry-jobs`: the streaming upload of a registry CSV (SPEC §3). The job is
 * durable in Postgres (job, tasks, raw records) before the 202, so any worker on any machine can
 * run it; the api's memory does not grow with the file.
 */
import { checkFields, deviceRegistryWrite, submitDeviceRegistryUpload } from '@jabba/domain/device-registry';
import type { ApiDeps } from '../platform/deps';
import { acceptedJob, jobPath, uploadResponses } from '../jobs/job-view';
import { uploadRequest } from '../platform/upload-docs';
import { createRoute, documented, needsToken, openApiRoutes, type OpenApiRoutes, z } from '../platform/openapi';
import { refuseDeclaredSize } from '../platform/json-body';
import { importLimits, uploadBody } from '../platform/upload-body';
import type { UploadSlots } from '../platform/upload-slots';
import { idempotencyKeyHeader } from '../platform/idempotency-key';

const registerType = z.string().max(255).openapi({ description: 'Required: in the form, or in the query with a text/csv body', example: 'MEDICAL_DEVICE' });
const reasonDescription = z.string().max(2000).openapi({ description: 'Required: in the form, or in the query with a text/csv body', example: 'Q3 registry' });

const upload = createRoute({
  method: 'post', path: '/v1/device-registry-jobs', tags: ['Device registry'], security: needsToken, summary: 'Upload a device registry CSV',
  description: 'The file streams into a job (durable before the answer); follow it at `Location`. A key the client used before answers that job with 200.',
  request: {
    query: z.object({ registerType: registerType.optional(), reasonDescription: reasonDescription.optional() }),
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
    const { job, created } = await slots.run(async () => {
      const body = await uploadBody(c.req.raw, query, maxBytes);
      // A plain CSV body has its fields in the query: check them before reading the file.
      if (body.path === '$.body') checkFields(query);
      return submitDeviceRegistryUpload(ctx.em, deps.tasksQueue, {
        csv: body.bytes,
        fields: () => body.fields,
        clientId: principal.client.id,
        userId: principal.token.userId,
        idempotencyKey,
        ...importLimits(deps.config),
        csvPath: body.path,
      });
    });
    c.header('Location', jobPath(job.id));
    return c.json(acceptedJob(job), created ? 202 : 200);
  });

  return routes;
}
