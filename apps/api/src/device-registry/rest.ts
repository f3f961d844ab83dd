/**
 * `POST /v1/device-registry-jobs`: the streaming upload of a registry CSV (SPEC §3). The job is
 * durable in Postgres (job, tasks, raw records) before the 202, so any worker on any machine can
 * run it; the api's memory does not grow with the file.
 */
import { Hono } from 'hono';
import { checkFields, deviceRegistryWrite, submitDeviceRegistryUpload } from '@jabba/domain/device-registry';
import type { ApiDeps } from '../platform/deps';
import { acceptedJob, jobPath } from '../jobs/job-view';
import type { AppEnv } from '../platform/request-scope';
import { refuseDeclaredSize } from '../platform/json-body';
import { importLimits, uploadBody } from '../platform/upload-body';
import type { UploadSlots } from '../platform/upload-slots';
import { idempotencyKeyHeader } from '../platform/idempotency-key';

export function deviceRegistryRoutes(deps: ApiDeps, slots: UploadSlots): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const maxBytes = deps.config.IMPORT_MAX_BYTES;

  routes.post('/v1/device-registry-jobs', async (c) => {
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
