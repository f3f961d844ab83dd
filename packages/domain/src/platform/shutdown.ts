/**
 * Two-stage graceful shutdown (Graphile Worker style). First SIGTERM/SIGINT: run the steps in order
 * (stop taking work, let running work finish, close connections) within a deadline, then exit 0.
 * A second signal or a missed deadline forces exit 1.
 */
import type { Logger } from './logger';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

export interface ShutdownOptions {
  logger: Logger;
  timeoutMs: number;
  steps: () => ShutdownStep[];
  exit?: (code: number) => void;
}

export function installShutdown({ logger, timeoutMs, steps, exit = (c) => process.exit(c) }: ShutdownOptions): () => Promise<void> {
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown deadline missed, forcing exit');
        exit(1);
      }, timeoutMs);
      timer.unref();
      for (const step of steps()) {
        try {
          await step.run();
          logger.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, forcing exit');
      exit(1);
      return;
    }
    logger.info({ signal, timeoutMs }, 'shutting down');
    void stop().then(() => exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return stop;
}
