/**
 * Builds the console (apps/console → apps/console/dist) when its build is missing or older than
 * any of its inputs, so `npm start`, the browser tests and the console benchmark always serve what
 * the source says. Several processes may ask at once (vitest runs test files in parallel): a lock
 * directory makes one of them build while the others wait and then find the build fresh.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const consoleDir = fileURLToPath(new URL('../../apps/console/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/** What a build is made from; a change to any of them makes the build stale. */
const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json'];

export type BuildState = { fresh: true } | { fresh: false; reason: string };

const mtimeOf = async (path: string): Promise<number | null> => {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
};

/** The newest file under `path` (itself if a file), with its modification time. */
async function newest(path: string): Promise<{ path: string; mtime: number } | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (!info.isDirectory()) return { path, mtime: info.mtimeMs };
  let best: { path: string; mtime: number } | null = null;
  for (const entry of await readdir(path)) {
    const found = await newest(join(path, entry));
    if (found && (!best || found.mtime > best.mtime)) best = found;
  }
  return best;
}

export async function consoleBuildState(dir = consoleDir): Promise<BuildState> {
  const built = await mtimeOf(join(dir, 'dist', 'index.html'));
  if (built === null) return { fresh: false, reason: `${relative(root, join(dir, 'dist'))} is missing` };
  for (const input of inputs) {
    const found = await newest(join(dir, input));
    if (found && found.mtime > built) return { fresh: false, reason: `${relative(root, found.path)} is newer than the build` };
  }
  return { fresh: true };
}

/** `vite build`, its output kept to say why when it fails. */
export function buildConsole(dir = consoleDir): Promise<void> {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}:\n${output.trim()}`))));
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Holds `lock` (a directory: mkdir is atomic) while `fn` runs; a lock whose process died is taken over. */
async function withLock<T>(lock: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
      // A lock without a pid yet is being taken right now; one whose holder died is abandoned.
      if (holder > 0 && !isAlive(holder)) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by process ${holder || 'unknown'})`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the console unless its build is fresh. `onBuild` hears why it builds before it does;
 * resolves with the time the build took in ms, or null when there was nothing to do.
 */
export function ensureConsoleBuilt({ dir = consoleDir, onBuild }: { dir?: string; onBuild?: (reason: string) => void } = {}): Promise<number | null> {
  return withLock(join(dir, '.build-lock'), async () => {
    const state = await consoleBuildState(dir);
    if (state.fresh) return null;
    onBuild?.(state.reason);
    const started = performance.now();
    await buildConsole(dir);
    return performance.now() - started;
  });
}
