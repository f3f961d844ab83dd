/**
 * The spans the engine makes, with nothing of OpenTelemetry loaded unless tracing was started:
 * `@jabba/domain/tracing` (imported by a process only when OTEL_EXPORTER_OTLP_ENDPOINT is set, or by
 * a test) installs a tracer here. Until then `inSpan` runs its function as it is and log lines get
 * no trace fields; the imports below are types only.
 *
 * Process-wide, like the OpenTelemetry API itself: threading a tracer through every caller of the
 * engine would change every signature for something that is on or off for the whole process.
 */
import type { Attributes, Span, SpanContext, SpanStatusCode, Tracer } from '@opentelemetry/api';

export interface InstalledTracing {
  tracer: Tracer;
  /** The active span's context, if any (`trace.getActiveSpan()?.spanContext()`). */
  activeSpanContext(): SpanContext | undefined;
}

let installed: InstalledTracing | null = null;

/** Called by `startTracing` (with null by its `stop`). */
export function installTracing(tracing: InstalledTracing | null): void {
  installed = tracing;
}

// SpanStatusCode.ERROR, by value: the enum lives in the API's runtime, which this module does not load.
const errorStatus = 2 as SpanStatusCode;

/**
 * Runs `run` inside a span named `name` (the active span while it runs, so the Postgres and Redis
 * calls it makes nest under it), ended when `run` settles and marked as an error if it throws.
 * Without tracing, `run` gets null and runs as it is.
 */
export function inSpan<T>(name: string, attributes: Attributes, run: (span: Span | null) => Promise<T>): Promise<T> {
  if (!installed) return run(null);
  return installed.tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: errorStatus });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The fields every log line gets (a pino `mixin`): the trace and span it was written in, while tracing is on. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const context = installed?.activeSpanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
}
