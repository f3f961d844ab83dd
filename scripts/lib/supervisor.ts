/**
 * Runs a few long-lived child processes as one unit for `npm start`: a stop signal goes to every
 * child, and a child that dies on its own takes the others down with it.
 *
 * Children get a process group of their own (`detached`). Otherwise Ctrl-C in a terminal reaches
 * them directly *and* through us, and the apps' two-stage shutdown reads the second copy as
 * "force". For the same reason repeated signals within `echoWindowMs` count once: `npm run` and the
 * tsx wrapper each pass the terminal's SIGINT on to us again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
}

export interface SuperviseOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  echoWindowMs?: number;
  /** Where stop signals come from; tests pass their own emitter instead of signalling themselves. */
  signals?: EventEmitter;
}

export interface Supervision {
  /** Resolves with the exit code the parent should use once every child has exited. */
  done: Promise<number>;
  /** True once a stop was requested or a child died. */
  stopping(): boolean;
}

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Running {
  spec: ChildSpec;
  process: ChildProcess;
  exited: boolean;
}

export function supervise(specs: ChildSpec[], { cwd, env, log, echoWindowMs = 1000, signals = process }: SuperviseOptions): Supervision {
  let stopRequested = false;
  let failed = false;
  let lastForward = 0;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const children: Running[] = [];
  const live = () => children.filter((c) => !c.exited);

  const forward = (signal: NodeJS.Signals) => {
    lastForward = Date.now();
    for (const child of live()) child.process.kill(signal);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (Date.now() - lastForward < echoWindowMs) return;
    if (stopRequested) log(`${signal} again: forcing ${live().map((c) => c.spec.name).join(' and ')} to stop`);
    else log(`${signal}: stopping ${live().map((c) => c.spec.name).join(' and ')}`);
    stopRequested = true;
    // A closed terminal (SIGHUP) means "stop"; the apps listen for SIGINT and SIGTERM only.
    forward(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  };

  const onExit = (child: Running, code: number | null, signal: NodeJS.Signals | null) => {
    if (child.exited) return;
    child.exited = true;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!stopRequested && !failed) {
      failed = true;
      log(`${child.spec.name} exited unexpectedly (${how}); stopping the rest`);
      forward('SIGTERM');
    } else if (code !== 0) {
      if (stopRequested && !failed) log(`${child.spec.name} did not stop cleanly (${how})`);
      failed = true;
    } else {
      log(`${child.spec.name} stopped`);
    }
    if (live().length === 0) {
      for (const s of stopSignals) signals.off(s, onSignal);
      process.off('exit', killLeftovers);
      resolveDone(failed ? 1 : 0);
    }
  };

  // Last resort if this process dies without a stop (an uncaught error): leave no orphans behind.
  const killLeftovers = () => {
    for (const child of live()) child.process.kill('SIGKILL');
  };

  for (const s of stopSignals) signals.on(s, onSignal);
  process.on('exit', killLeftovers);

  for (const spec of specs) {
    const proc = spawn(spec.command, spec.args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const child: Running = { spec, process: proc, exited: false };
    children.push(child);
    proc.once('exit', (code, signal) => onExit(child, code, signal));
    // spawn failures (ENOENT, EACCES) arrive as 'error' with no 'exit'.
    proc.once('error', (error) => {
      log(`${spec.name} could not be started: ${error.message}`);
      onExit(child, 1, null);
    });
  }

  return { done, stopping: () => stopRequested || failed };
}
