/**
 * Runs a few long-lived child processes as one unit for `npm start`: a stop signal goes to every
 * child. With a restart policy, a child that dies on its own is started again after a backoff
 * (scripts/lib/restart-backoff.ts) while the others keep running; without one, it takes the others
 * down with it. A child that cannot be spawned at all (no such binary) always stops the platform:
 * trying again would not help.
 *
 * Children get a process group of their own (`detached`). Otherwise Ctrl-C in a terminal reaches
 * them directly *and* through us, and the apps' two-stage shutdown reads the second copy as
 * "force". For the same reason repeated signals within `echoWindowMs` count once: `npm run` and the
 * tsx wrapper each pass the terminal's SIGINT on to us again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { nextRestart, seconds, type RestartPolicy } from './restart-backoff';

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
  /** Restart a child that exits on its own, with this backoff; unset, such an exit stops the rest. */
  restart?: RestartPolicy;
}

export interface Supervision {
  /** Resolves with the exit code the parent should use once every child has exited. */
  done: Promise<number>;
  /** True once a stop was requested, or a child's exit is stopping the platform. */
  stopping(): boolean;
}

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One supervised program: the process running it now, if any, and its crash history. */
interface Slot {
  spec: ChildSpec;
  process: ChildProcess | null;
  startedAt: number;
  crashesInARow: number;
  restartTimer: NodeJS.Timeout | null;
}

export function supervise(specs: ChildSpec[], { cwd, env, log, echoWindowMs = 1000, signals = process, restart }: SuperviseOptions): Supervision {
  let stopRequested = false;
  let failed = false;
  let lastForward = 0;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const slots: Slot[] = specs.map((spec) => ({ spec, process: null, startedAt: 0, crashesInARow: 0, restartTimer: null }));
  const live = () => slots.filter((s) => s.process !== null);
  const names = () => live().map((s) => s.spec.name).join(' and ');

  const forward = (signal: NodeJS.Signals) => {
    lastForward = Date.now();
    for (const slot of live()) slot.process!.kill(signal);
  };

  /** Once stopping, nothing restarts; the supervision ends when the last child has exited. */
  const stopRestarts = () => {
    for (const slot of slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
  };

  const finishIfIdle = () => {
    if (!(stopRequested || failed) || live().length > 0) return;
    for (const s of stopSignals) signals.off(s, onSignal);
    process.off('exit', killLeftovers);
    resolveDone(failed ? 1 : 0);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (Date.now() - lastForward < echoWindowMs) return;
    if (stopRequested) log(`${signal} again: forcing ${names()} to stop`);
    else log(`${signal}: stopping ${names() || 'the platform'}`);
    stopRequested = true;
    stopRestarts();
    // A closed terminal (SIGHUP) means "stop"; the apps listen for SIGINT and SIGTERM only.
    forward(signal === 'SIGHUP' ? 'SIGTERM' : signal);
    finishIfIdle();
  };

  const onExit = (slot: Slot, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => {
    if (slot.process !== proc) return;
    slot.process = null;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!stopRequested && !failed && restart) {
      const ranMs = Date.now() - slot.startedAt;
      const decision = nextRestart(restart, slot.crashesInARow, ranMs);
      slot.crashesInARow = decision.crashesInARow;
      log(`${slot.spec.name} exited unexpectedly (${how}) after ${seconds(ranMs)}; restarting it in ${seconds(decision.delayMs)} (crash ${decision.crashesInARow} in a row)`);
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = null;
        start(slot);
        if (slot.process) log(`${slot.spec.name} restarted (pid ${slot.process.pid})`);
      }, decision.delayMs);
      return;
    }
    if (!stopRequested && !failed) {
      failed = true;
      stopRestarts();
      log(`${slot.spec.name} exited unexpectedly (${how}); stopping the rest`);
      forward('SIGTERM');
    } else if (code !== 0) {
      if (stopRequested && !failed) log(`${slot.spec.name} did not stop cleanly (${how})`);
      failed = true;
    } else {
      log(`${slot.spec.name} stopped`);
    }
    finishIfIdle();
  };

  // Last resort if this process dies without a stop (an uncaught error): leave no orphans behind.
  const killLeftovers = () => {
    for (const slot of live()) slot.process!.kill('SIGKILL');
  };

  function start(slot: Slot): void {
    const proc = spawn(slot.spec.command, slot.spec.args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    slot.process = proc;
    slot.startedAt = Date.now();
    proc.once('exit', (code, signal) => onExit(slot, proc, code, signal));
    // spawn failures (ENOENT, EACCES) arrive as 'error' with no 'exit'; no restart mends those.
    proc.once('error', (error) => {
      if (slot.process !== proc) return;
      slot.process = null;
      log(`${slot.spec.name} could not be started: ${error.message}`);
      if (!stopRequested && !failed) {
        stopRestarts();
        forward('SIGTERM');
      }
      failed = true;
      finishIfIdle();
    });
  }

  for (const s of stopSignals) signals.on(s, onSignal);
  process.on('exit', killLeftovers);
  for (const slot of slots) start(slot);

  return { done, stopping: () => stopRequested || failed };
}
