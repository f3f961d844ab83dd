/**
 * How `npm start` runs the api and the worker together: real child processes (small node scripts
 * standing in for the apps), stop signals delivered through an emitter of the test's own.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { supervise, type ChildSpec } from '../scripts/lib/supervisor';
import { waitFor } from '#test/wait-for';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jabba-supervisor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A stand-in app: writes `<name>.up` once its handlers are installed, `<name>.sig<n>` on its n-th
 * SIGINT/SIGTERM, and exits with `exitOn[n]` when that entry exists — or with `dieWith` as soon as
 * the test creates `<name>.die`.
 */
function app(name: string, behaviour: { exitOn: Record<number, number>; dieWith?: number }): ChildSpec {
  const file = (suffix: string) => JSON.stringify(join(dir, `${name}.${suffix}`));
  const source = `
    const fs = require('node:fs');
    let n = 0;
    const exitOn = ${JSON.stringify(behaviour.exitOn)};
    const onSignal = () => {
      n += 1;
      fs.writeFileSync(${file('sig')} + n, '');
      if (exitOn[n] !== undefined) setTimeout(() => process.exit(exitOn[n]), 20);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const dieWith = ${JSON.stringify(behaviour.dieWith ?? null)};
    setInterval(() => { if (dieWith !== null && fs.existsSync(${file('die')})) process.exit(dieWith); }, 10);
    fs.writeFileSync(${file('up')}, '');
  `;
  return { name, command: process.execPath, args: ['-e', source] };
}

const marker = (name: string) => existsSync(join(dir, name));
const allUp = (...names: string[]) => waitFor(() => names.every((n) => marker(`${n}.up`)), { what: `${names.join(', ')} up` });

function start(specs: ChildSpec[]) {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const run = supervise(specs, { cwd: dir, env: process.env, log: (m) => lines.push(m), echoWindowMs: 200, signals });
  return { ...run, signals, lines };
}

describe('supervise', () => {
  it('passes one stop signal to every child, ignoring echoes, and resolves 0 when they stop cleanly', async () => {
    const run = start([app('api', { exitOn: { 1: 0 } }), app('worker', { exitOn: { 1: 0 } })]);
    await allUp('api', 'worker');
    // A terminal Ctrl-C under `npm start` arrives several times within milliseconds.
    run.signals.emit('SIGINT', 'SIGINT');
    run.signals.emit('SIGINT', 'SIGINT');
    await expect(run.done).resolves.toBe(0);
    expect([marker('api.sig1'), marker('api.sig2'), marker('worker.sig1'), marker('worker.sig2')]).toEqual([true, false, true, false]);
    expect(run.lines[0]).toBe('SIGINT: stopping api and worker');
    expect(run.lines.slice(1).sort()).toEqual(['api stopped', 'worker stopped']);
    expect(run.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('passes a later second signal on, so a child stuck in its shutdown is forced', async () => {
    const run = start([app('api', { exitOn: { 2: 1 } })]);
    await allUp('api');
    run.signals.emit('SIGTERM', 'SIGTERM');
    await waitFor(() => marker('api.sig1'), { what: 'first signal' });
    await new Promise((r) => setTimeout(r, 250)); // past the echo window, on purpose
    run.signals.emit('SIGTERM', 'SIGTERM');
    await expect(run.done).resolves.toBe(1);
    expect(run.lines).toContain('SIGTERM again: forcing api to stop');
    expect(run.lines).toContain('api did not stop cleanly (code 1)');
  });

  it('stops the others and resolves 1 when a child exits on its own', async () => {
    const run = start([app('api', { exitOn: { 1: 0 } }), app('worker', { exitOn: {}, dieWith: 3 })]);
    await allUp('api', 'worker');
    writeFileSync(join(dir, 'worker.die'), '');
    await expect(run.done).resolves.toBe(1);
    expect(marker('api.sig1')).toBe(true);
    expect(run.lines).toEqual(['worker exited unexpectedly (code 3); stopping the rest', 'api stopped']);
  });

  it('resolves 1 when a child cannot be started at all', async () => {
    const run = start([{ name: 'ghost', command: join(dir, 'no-such-binary'), args: [] }]);
    await expect(run.done).resolves.toBe(1);
    expect(run.lines[0]).toMatch(/^ghost could not be started: .*ENOENT/);
  });
});
