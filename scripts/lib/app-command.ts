/**
 * The node arguments every api and worker process runs with: `npm start` (scripts/start.ts), the
 * tests and benchmarks (test/support/process.ts), and, written out, the Dockerfile, docker compose,
 * the Kubernetes manifests and package.json (apps/api/test/platform/deploy-manifests.test.ts keeps
 * them equal).
 *
 * `node --import tsx <file>` rather than the `tsx` CLI: the CLI relays a signal to its child and
 * SIGKILLs it if the child has not acknowledged within 30 ms, so a worker whose event loop is busy
 * with a chunk at that moment would lose its graceful shutdown. Same transpiler, one process fewer.
 *
 * The old-generation bound: V8 sizes its heap for the machine's memory and let a worker's garbage
 * pile up to 200 MB between full collections, though its live heap after one stayed under 50 MB
 * (`--trace-gc` through a 200,000-line import). Bounded at 192 MB, the worker's peak RSS fell from
 * 321 to 193 MB and the api's from 239 to 219 MB (issue 15 allows 250), for a few more collections
 * of a few tens of milliseconds each.
 */
export const appHeapLimit = '--max-old-space-size=192';

export const appNodeArgs = (entry: 'apps/api/src/main.ts' | 'apps/worker/src/main.ts'): string[] => [appHeapLimit, '--import', 'tsx', entry];
