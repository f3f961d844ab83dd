import { describe, expect, it } from 'vitest';
import { ChunkGate } from '../src/chunk-gate';

/** A chunk that runs until `finish()`; `started` tells whether the gate let it in. */
function chunk(gate: ChunkGate, alone: boolean) {
  let finish!: () => void;
  const state = { started: false, done: Promise.resolve(), finish: () => finish() };
  state.done = gate.run(alone, () => { state.started = true; return new Promise<void>((resolve) => (finish = resolve)); });
  return state;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the chunk gate', () => {
  it('runs ordinary chunks side by side', async () => {
    const gate = new ChunkGate();
    const [a, b] = [chunk(gate, false), chunk(gate, false)];
    await settle();
    expect([a.started, b.started, gate.active]).toEqual([true, true, 2]);
    a.finish();
    b.finish();
    await Promise.all([a.done, b.done]);
    expect(gate.active).toBe(0);
  });

  it('runs a suspect alone: after the chunks before it, before the chunks after it', async () => {
    const gate = new ChunkGate();
    const before = chunk(gate, false);
    const suspect = chunk(gate, true);
    const after = chunk(gate, false);
    await settle();
    expect([before.started, suspect.started, after.started]).toEqual([true, false, false]);
    before.finish();
    await before.done;
    await settle();
    expect([suspect.started, after.started, gate.active]).toEqual([true, false, 1]);
    suspect.finish();
    await suspect.done;
    await settle();
    expect(after.started).toBe(true);
    after.finish();
    await after.done;
  });

  it('lets the next chunk in when one fails', async () => {
    const gate = new ChunkGate();
    await expect(gate.run(true, () => Promise.reject(new Error('died')))).rejects.toThrow('died');
    await expect(gate.run(true, () => Promise.resolve('ran'))).resolves.toBe('ran');
    expect(gate.active).toBe(0);
  });
});
