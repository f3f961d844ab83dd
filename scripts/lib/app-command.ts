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
 * The heap: V8 sizes its heap for the machine's memory and let a worker's garbage pile up to 200 MB
 * between full collections, though its live heap after one stayed under 50 MB (`--trace-gc`
 * through a 200,000-line import; the api's stays near 50 MB through a 1M-line upload). Bounded at
 * 192 MB, the worker's peak RSS fell from 321 to 193 MB (issue 15 allows 250), but it spent about a
 * third more CPU: for a heap bound this small V8 lets the old generation grow only 1.3 times its
 * live size before the next full collection (heap-controller.cc, `MaxGrowingFactor`), so a worker
 * collected every few chunks. Growing it 4 times
 * (`--heap-growing-percent=300`, V8's own factor for large heaps) under a bound of 176 MB gave
 * back 10-15 % of the workers' CPU (7.1-7.6 against 8.1-9.2 CPU-s each per 200,000 lines, two
 * runs of each on one machine) for a peak worker RSS of 223 MB.
 */
export const appHeapFlags = ['--max-old-space-size=176', '--heap-growing-percent=300'] as const;

export const appNodeArgs = (entry: 'apps/api/src/main.ts' | 'apps/worker/src/main.ts'): string[] => [...appHeapFlags, '--import', 'tsx', entry];
