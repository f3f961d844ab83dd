/**
 * Hooks for the fault suite only; the worker's config refuses them unless NODE_ENV=test.
 * WORKER_TEST_CRASH_ON_MODEL: the device registry handler kills its own process (SIGKILL, as the
 * kernel's OOM killer or a native crash would) on a chunk holding a record with that model number: a
 * poison record (issue 14, fault 8).
 */
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import type { HandlerRegistry } from '@jabba/domain/engine';

/** The model number of a registry record as uploaded (the 4th column of the fault suite's files). */
const modelNumberOf = (input: unknown): string | undefined => (typeof input === 'string' ? input.split(',')[3] : undefined);

export function withTestCrash(registry: HandlerRegistry, modelNumber: string | undefined): HandlerRegistry {
  const registered = registry.get(deviceRegistryJob.type);
  if (modelNumber === undefined || !registered || registered.handler.kind !== 'batch') return registry;
  const { handler } = registered;
  const crashing: typeof handler = {
    kind: 'batch',
    async run(tasks, ctx) {
      if (tasks.some((task) => modelNumberOf(task.input) === modelNumber)) {
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined);
      }
      return handler.run(tasks, ctx);
    },
  };
  return new Map([...registry, [deviceRegistryJob.type, { ...registered, handler: crashing }]]);
}
