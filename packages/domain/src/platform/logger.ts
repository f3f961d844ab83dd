import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; `base` names the process so api and worker lines can be told apart. */
export const createLogger = (level: string, processName: string): Logger =>
  pino({ level, base: { process: processName }, timestamp: pino.stdTimeFunctions.isoTime });
