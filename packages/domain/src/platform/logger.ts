import { pino, type DestinationStream, type Logger } from 'pino';
import { errorForLog } from './error-log';

export type { Logger };

/**
 * JSON logs on stdout (or `destination`, for tests that read them); `base` names the process so api
 * and worker lines can be told apart. Every `err` goes through one serializer, which keeps the
 * values a database error echoes out of the log.
 */
export const createLogger = (level: string, processName: string, destination?: DestinationStream): Logger =>
  pino({ level, base: { process: processName }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: errorForLog } }, destination);
