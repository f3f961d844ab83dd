/**
 * How `npm start` runs the api and the worker together: real child processes (small node scripts
 * standing in for the apps), stop signals delivered through an emitter of the test's own.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestartPolicy } from '../scripts/lib/restart-backoff';
import { supervise, type ChildSpec } from '../scripts/lib/supervisor';
import { waitFor } from '#test/wait-for';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jabba-supervisor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A stand-in app: adds its pid to `<name>.up` once its handlers are installed, writes `<name>.sig<n>`
 * on its n-th SIGINT/SIGTERM, and exits with `exitOn[n]` when that entry exists — or removes
 * `<name>.die` and exits with `dieWith` as soon as the test creates that file.
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
    setInterval(() => {
      if (dieWith === null || !fs.existsSync(${file('die')})) return;
      fs.rmSync(${file('die')});
      process.exit(dieWith);
    }, 10);
    fs.appendFileSync(${file('up')}, process.pid + '\\n');
  `;
  return { name, command: process.execPath, args: ['-e', source] };
}

const marker = (name: string) => existsSync(join(dir, name));
const allUp = (...names: string[]) => waitFor(() => names.every((n) => marker(`${n}.up`)), { what: `${names.join(', ')} up` });
/** The pids of every start of `name` so far, in order. */
const startsOf = (name: string): number[] =>
  marker(`${name}.up`) ? readFileSync(join(dir, `${name}.up`), 'utf8').trim().split('\n').map(Number) : [];
const die = (name: string) => writeFileSync(join(dir, `${name}.die`), '');

function start(specs: ChildSpec[], restart?: RestartPolicy) {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const run = supervise(specs, { cwd: dir, env: process.env, log: (m) => lines.push(m), echoWindowMs: 200, signals, ...(restart ? { restart } : {}) });
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
    die('worker');
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

describe('supervise with a restart policy (npm start)', () => {
  const quick: RestartPolicy = { initialMs: 100, maxMs: 250, healthyAfterMs: 60_000 };
  const crashLine = (how: string, wait: string, n: number) =>
    new RegExp(`^worker exited unexpectedly \\(${how}\\) after [\\d.]+ s; restarting it in ${wait} \\(crash ${n} in a row\\)$`);

  it('restarts a child that dies, doubling the wait for each crash in a row, and leaves the others running', async () => {
    const run = start([app('api', { exitOn: { 1: 0 } }), app('worker', { exitOn: { 1: 0 }, dieWith: 3 })], quick);
    await allUp('api', 'worker');
    die('worker');
    await waitFor(() => startsOf('worker').length === 2, { what: 'the worker started again' });
    die('worker');
    await waitFor(() => startsOf('worker').length === 3, { what: 'the worker started a third time' });
    expect(run.stopping()).toBe(false);
    expect(run.lines).toHaveLength(4);
    expect(run.lines[0]).toMatch(crashLine('code 3', '0.1 s', 1));
    expect(run.lines[1]).toBe(`worker restarted (pid ${startsOf('worker')[1]})`);
    expect(run.lines[2]).toMatch(crashLine('code 3', '0.2 s', 2));
    expect(run.lines[3]).toBe(`worker restarted (pid ${startsOf('worker')[2]})`);
    expect([startsOf('api').length, marker('api.sig1')]).toEqual([1, false]);

    // Ctrl-C still stops everything, the restarted worker included, and the run was clean.
    run.signals.emit('SIGINT', 'SIGINT');
    await expect(run.done).resolves.toBe(0);
    expect(run.lines.slice(4)).toEqual(['SIGINT: stopping api and worker', expect.stringMatching(/stopped$/), expect.stringMatching(/stopped$/)]);
    expect(run.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('a stop during the wait cancels the restart and resolves at once', async () => {
    const run = start([app('worker', { exitOn: {}, dieWith: 9 })], { ...quick, initialMs: 60_000, maxMs: 60_000 });
    await allUp('worker');
    die('worker');
    await waitFor(() => run.lines.length === 1, { what: 'the crash line' });
    expect(run.lines[0]).toMatch(crashLine('code 9', '60 s', 1));
    run.signals.emit('SIGTERM', 'SIGTERM');
    await expect(run.done).resolves.toBe(0);
    expect(run.lines[1]).toBe('SIGTERM: stopping the platform');
    expect(startsOf('worker')).toHaveLength(1);
  });

  it('still stops everything when a child cannot be started at all', async () => {
    const run = start([app('api', { exitOn: { 1: 0 } }), { name: 'ghost', command: join(dir, 'no-such-binary'), args: [] }], quick);
    await expect(run.done).resolves.toBe(1);
    expect(run.lines[0]).toMatch(/^ghost could not be started: .*ENOENT/);
  });
});
