/**
 * Chunks share their worker process, up to WORKER_CONCURRENCY at once, except a suspect: a chunk
 * that was started before and never finished (Postgres counts its attempts), or a piece of a chunk
 * split after too many (engine/chunk-attempts.ts). It may be the one that
 * kills the process, so it runs alone: it waits for the chunks running beside it, and chunks that
 * arrive after it wait for it. If it then kills the process, it takes no innocent chunk with it,
 * whose attempts would be counted too. Admission is first come, first served, so a suspect is not
 * starved by a stream of ordinary chunks.
 */
interface Waiter {
  alone: boolean;
  admit: () => void;
}

export class ChunkGate {
  private running = 0;
  private aloneRunning = false;
  private readonly waiting: Waiter[] = [];

  /** Runs `fn` once admitted: beside other ordinary chunks, or with `alone` by itself. */
  async run<T>(alone: boolean, fn: () => Promise<T>): Promise<T> {
    await this.enter(alone);
    try {
      return await fn();
    } finally {
      this.leave(alone);
    }
  }

  /** Chunks running now. */
  get active(): number {
    return this.running;
  }

  private fits(alone: boolean): boolean {
    return alone ? this.running === 0 : !this.aloneRunning;
  }

  private admit(alone: boolean): void {
    this.running += 1;
    if (alone) this.aloneRunning = true;
  }

  private enter(alone: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.fits(alone)) {
      this.admit(alone);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ alone, admit: resolve }));
  }

  private leave(alone: boolean): void {
    this.running -= 1;
    if (alone) this.aloneRunning = false;
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.alone)) {
      const next = this.waiting.shift()!;
      this.admit(next.alone);
      next.admit();
    }
  }
}
