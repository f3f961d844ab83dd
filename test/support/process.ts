/** Runs one of the apps as a real child process, the way operators and docker compose run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appNodeArgs } from '../../scripts/lib/app-command';

export interface AppProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

export interface StartOptions {
  /** Run at this niceness (`nice -n`): a benchmark's way to tell CPU contention from its own cost. */
  nice?: number;
}

export function startApp(entry: 'apps/api/src/main.ts' | 'apps/worker/src/main.ts', env: Record<string, string>, options: StartOptions = {}): AppProcess {
  const node = [process.execPath, ...appNodeArgs(entry)];
  // `nice` execs node in its own process, so the pid is still the app's.
  const [command, ...args] = options.nice ? ['nice', '-n', String(options.nice), ...node] : node;
  const child = spawn(command!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exit: once(child, 'exit') as AppProcess['exit'] };
}
