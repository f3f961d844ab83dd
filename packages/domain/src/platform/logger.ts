import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat } from './config';
import { errorForLog } from './error-log';
import { traceFields } from './tracing';

export type { Logger };

/**
 * Human-readable lines for a terminal: time, level, `[api]` or `[worker]` and the message, then the
 * other fields on the same line (an error's stack below it). Synchronous, like pino's own stdout
 * writes, so no line is lost when a process exits.
 */
const prettyStream = (): DestinationStream =>
  PinoPretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,process', messageFormat: '[{process}] {msg}' });

/**
 * JSON logs on stdout (or `destination`, for tests that read them), or pretty ones; `base` names the
 * process so api and worker lines can be told apart. Every `err` goes through one serializer, which
 * keeps the values a database error echoes out of the log. While tracing is on, every line made
 * inside a span carries its `traceId` and `spanId`, so a log search and a trace find each other.
 */
export const createLogger = (level: string, processName: string, destination: DestinationStream | LogFormat = 'json'): Logger =>
  pino(
    { level, base: { process: processName }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: errorForLog }, mixin: traceFields },
    destination === 'pretty' ? prettyStream() : destination === 'json' ? undefined : destination,
  );
