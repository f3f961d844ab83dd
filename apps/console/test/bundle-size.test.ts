/**
 * The first load must stay at most 300 KB of gzipped JavaScript. Counting every chunk of the build,
 * not only what the first page loads, is stricter and does not depend on which page opens first:
 * while the whole console fits, any first load does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { consoleDir, ensureConsoleBuilt } from '../../../scripts/lib/console-build';

const budget = 300 * 1024;

describe('the console build', () => {
  it('is at most 300 KB of gzipped JavaScript in all', { timeout: 120_000 }, async () => {
    await ensureConsoleBuilt();
    const assets = join(consoleDir, 'dist', 'assets');
    const scripts = (await readdir(assets)).filter((name) => name.endsWith('.js'));
    let gzipped = 0;
    for (const name of scripts) gzipped += gzipSync(await readFile(join(assets, name)), { level: 9 }).length;
    expect(scripts.length).toBeGreaterThan(1);
    expect(gzipped).toBeLessThanOrEqual(budget);
  });
});
