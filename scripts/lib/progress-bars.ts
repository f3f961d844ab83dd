/**
 * The two bars of `upload` (bytes sent, lines processed) with lines/s and ETA. About forty lines of
 * our own rather than a library: two fixed rows redrawn in place is all that is needed, and a
 * library would bring its own option surface and types for that. Quiet when stdout is no terminal.
 */
const width = 24;
/** Lines/s is measured over this window, so a stall shows soon and a burst does not linger. */
const rateWindowMs = 10_000;
const redrawMs = 100;

const bar = (done: number, total: number): string => {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
};
const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);
const count = (n: number): string => n.toLocaleString('en-US');
export const duration = (s: number): string => (s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`);

export class ProgressBars {
  private sent = { done: 0, total: 0 };
  private lines = { done: 0, total: 0 };
  private samples: { at: number; done: number }[] = [];
  private drawn = false;
  private lastDraw = 0;

  constructor(private readonly out: NodeJS.WriteStream, private readonly enabled = out.isTTY === true) {}

  bytes(done: number, total: number): void {
    this.sent = { done, total };
    this.draw();
  }

  lineCount(done: number, total: number, at = Date.now()): void {
    this.lines = { done, total };
    this.samples.push({ at, done });
    while (this.samples.length > 2 && this.samples[0]!.at < at - rateWindowMs) this.samples.shift();
    this.draw();
  }

  /** Draws the last state and leaves the cursor below the bars. */
  finish(): void {
    this.draw(true);
  }

  private rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    return first && last && last.at > first.at ? ((last.done - first.done) * 1000) / (last.at - first.at) : 0;
  }

  private draw(force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < redrawMs) return;
    this.lastDraw = now;
    const rate = this.rate();
    const left = this.lines.total - this.lines.done;
    const eta = this.lines.total > 0 && left === 0 ? 'done' : rate > 0 ? `ETA ${duration(left / rate)}` : 'ETA --';
    const rows = [
      `Upload ${bar(this.sent.done, this.sent.total)}  ${bytes(this.sent.done)} / ${bytes(this.sent.total)}`,
      `Lines  ${bar(this.lines.done, this.lines.total)}  ${count(this.lines.done)} / ${count(this.lines.total)}  ${count(Math.round(rate))} lines/s  ${eta}`,
    ];
    // Up over the previous two rows, each cleared before it is written again.
    this.out.write(`${this.drawn ? '\x1b[2A' : ''}${rows.map((r) => `\x1b[2K${r}\n`).join('')}`);
    this.drawn = true;
  }
}
