/**
 * Starts OpenTelemetry tracing for a process: a tracer provider exporting to an OTLP collector,
 * the Postgres and Redis instrumentations, the engine's own spans (platform/tracing.ts) and the
 * BullMQ telemetry that carries a trace from the code that enqueues a chunk to the worker that runs
 * it. Imported only when tracing is on (main, after its config says so) or by a test: nothing here
 * is loaded otherwise.
 */
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { installTracing } from '../platform';

export interface TracingOptions {
  /** `service.name` of every span (OTEL_SERVICE_NAME). */
  serviceName: string;
  /** The collector's base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans are posted to its /v1/traces. */
  endpoint?: string;
  /** Instead of the OTLP exporter: tests pass a SimpleSpanProcessor around an InMemorySpanExporter. */
  spanProcessor?: SpanProcessor;
}

export interface Tracing {
  /** For every BullMQ Queue and Worker of the process (their `telemetry` option). */
  bullmq: Telemetry;
  /** Exports what is buffered and stops tracing; the last shutdown step. */
  stop(): Promise<void>;
}

const tracerName = 'jabba';

export function startTracing({ serviceName, endpoint, spanProcessor }: TracingOptions): Tracing {
  const processor = spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint?.replace(/\/+$/, '') ?? 'http://127.0.0.1:4318'}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), spanProcessors: [processor] });
  // Global, as instrumentations and bullmq-otel expect: AsyncLocalStorage context, W3C trace context.
  provider.register();
  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Only calls made inside a span (a request, a job creation, a chunk): pollers and pool upkeep
      // would otherwise start a trace of their own every few hundred milliseconds. Statements are
      // kept without their values, which may be personal data.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      // The command only: its arguments carry job payloads.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  // require-in-the-middle patches a module as it is required, and both may be loaded by now: the
  // config loads the ORM (and pg), and `import { Redis } from 'ioredis'` from ESM goes past it. Both
  // patch prototypes every client shares, so requiring them once more here traces every client,
  // whenever it was made (apps/api/test/platform/traces-and-logs.test.ts imports both before this runs).
  const require = createRequire(import.meta.url);
  require('pg');
  require('ioredis');
  installTracing({ tracer: provider.getTracer(tracerName), activeSpanContext: () => trace.getActiveSpan()?.spanContext() });
  return {
    bullmq: new BullMQOtel({ tracerName: 'bullmq' }),
    async stop() {
      installTracing(null);
      disableInstrumentations();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
