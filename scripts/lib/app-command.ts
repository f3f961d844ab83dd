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
 * (`--trace-gc` through a 200,000-line import; the api's stays near 50 MB through a 1M-line
 * upload). Bounded at 192 MB, the worker's peak RSS fell from 321 to 193 MB and the api's from 239
 * to 219 MB (issue 15 allows 250). It is not free: the workers spent about a third more CPU on the
 * same import (6.4-7.1 s against 4.8-5.0 s per 200,000 lines), about a tenth of the throughput;
 * 256 MB cost the same, and a larger young generation broke the 250 MB limit instead.
 */
export const appHeapLimit = '--max-old-space-size=192';

export const appNodeArgs = (entry: 'apps/api/src/main.ts' | 'apps/worker/src/main.ts'): string[] => [appHeapLimit, '--import', 'tsx', entry];
