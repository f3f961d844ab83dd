/**
 * `npm run jabba -- upload | wait | errors` as an operator runs them: the CLI as a child process
 * against the real api and a worker, over HTTP only (no DATABASE_URL given to the CLI).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '#test/platform';
import { ProgressBars } from '../scripts/lib/progress-bars';

const root = fileURLToPath(new URL('..', import.meta.url));
const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const row = (i: number, count = 10) => `IIa,Acme,UA,M-${i},box,${count},piece,true,Thermometer ${i},USER_PROVIDED`;
const usageHeading = 'Usage: npm run jabba -- <command> [options]';

let platform: Platform;
let baseUrl: string;
let token: string;
let dir: string;

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 2 });
  ({ baseUrl } = await platform.start({ workers: ['cli-worker'] }));
  token = await (await platform.nhsClient('CLI uploader')).token(['device_registry:write', 'device_registry_job:read']);
  dir = await mkdtemp(path.join(tmpdir(), 'jabba-cli-'));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await platform.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function jabba(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, JABBA_API_URL: baseUrl, JABBA_TOKEN: token, ...env };
  delete fullEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], { cwd: root, env: fullEnv, timeout: 50_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function csvFile(name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const uploadArgs = (file: string, ...more: string[]) => ['upload', file, '--register-type', 'MEDICAL_DEVICE', '--reason', 'Q3', ...more];
const jobIdOf = (stdout: string): string => /^Job ([0-9a-f-]{36}) /m.exec(stdout)?.[1] ?? '';

// Each CLI run is a fresh tsx process (a few seconds on a busy machine); some tests run four.
describe('npm run jabba -- upload', { timeout: 60_000 }, () => {
  let failedJob = '';

  it('exits 2 for a file with 2 bad lines, writes devices.errors.csv beside it with them and prints the summary', async () => {
    const file = await csvFile('devices.csv', [header, row(1), row(2, 0), row(3), row(4, 0), row(5)]);
    const result = await jabba(uploadArgs(file));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    failedJob = jobIdOf(result.stdout);
    const message = (line: number) => `Line ${line}: column "packaging_count" must be a positive integer, got "0"`;
    expect(result.stdout).toMatch(new RegExp(`^Job ${failedJob} FAILED in \\d+s\\n  5 lines: 3 processed, 2 failed\\n`));
    expect(result.stdout.split('\n').slice(2)).toEqual([
      `Failed records written to ${path.join(dir, 'devices.errors.csv')}:`,
      `  line 3: ${message(3).slice('Line 3: '.length)}`,
      `  line 5: ${message(5).slice('Line 5: '.length)}`,
      '',
    ]);
    // Not a terminal: no bar and no escape code at all.
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain('Upload [');
    const errorsCsv = await readFile(path.join(dir, 'devices.errors.csv'), 'utf8');
    expect(errorsCsv.trimEnd().split(/\r?\n/)).toEqual([
      `csv_data_line,error_code,error_message,${header}`,
      `3,VALIDATION_ERROR,${JSON.stringify(message(3)).replaceAll('\\"', '""')},${row(2, 0)}`,
      `5,VALIDATION_ERROR,${JSON.stringify(message(5)).replaceAll('\\"', '""')},${row(4, 0)}`,
    ]);
  });

  it('uploads examples/devices.csv: 10 lines processed, lines 6 and 10 failed', async () => {
    const file = path.join(dir, 'example-devices.csv');
    await copyFile(path.join(root, 'examples', 'devices.csv'), file);
    const result = await jabba(uploadArgs(file));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout.split('\n').slice(1)).toEqual([
      '  12 lines: 10 processed, 2 failed',
      `Failed records written to ${path.join(dir, 'example-devices.errors.csv')}:`,
      '  line 6: column "packaging_count" must be a positive integer, got "ten"',
      '  line 10: column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary',
      '',
    ]);
  });

  it('--dry-run checks the file, fails the same lines, and creates no device', async () => {
    const file = path.join(dir, 'dry-devices.csv');
    await copyFile(path.join(root, 'examples', 'devices.csv'), file);
    const devices = async () => (await platform.sql<{ n: number }>('select count(*)::int as n from device_definitions'))[0]!.n;
    const before = await devices();
    const result = await jabba(uploadArgs(file, '--dry-run'));
    expect(result).toMatchObject({ code: 2, stderr: '' });
    expect(result.stdout.split('\n').slice(1)).toEqual([
      '  12 lines: 10 processed, 2 failed',
      'Dry run: every record was checked, no device was created.',
      `Failed records written to ${path.join(dir, 'dry-devices.errors.csv')}:`,
      '  line 6: column "packaging_count" must be a positive integer, got "ten"',
      '  line 10: column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary',
      '',
    ]);
    expect(await devices()).toBe(before);
    expect(await platform.sql('select meta->>\'dryRun\' as "dryRun" from jobs where id = ?', [jobIdOf(result.stdout)])).toEqual([{ dryRun: 'true' }]);
  });

  it('exits 0 for a clean file and writes no errors file', async () => {
    const file = await csvFile('clean.csv', [header, row(1), row(2)]);
    const result = await jabba(uploadArgs(file));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Job [0-9a-f-]{36} PROCESSED in \d+s\n {2}2 lines: 2 processed, 0 failed\n$/);
    await expect(readFile(path.join(dir, 'clean.errors.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 1 with the problem in words on stderr when the api refuses the file (bad header)', async () => {
    const file = await csvFile('bad-header.csv', [`${header},colour`, `${row(1)},red`]);
    const result = await jabba(uploadArgs(file));
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'jabba: the api refused (422 Unprocessable Entity): Line 1: the header row has unknown columns "colour"\n',
    });
  });

  it('creates one job for the same --idempotency-key twice', async () => {
    const file = await csvFile('retried.csv', [header, row(1)]);
    const first = await jabba(uploadArgs(file, '--idempotency-key', 'cli-test-key'));
    const second = await jabba(uploadArgs(file, '--idempotency-key', 'cli-test-key'));
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(jobIdOf(second.stdout)).toBe(jobIdOf(first.stdout));
    expect(second.stdout).toContain(`The idempotency key names job ${jobIdOf(first.stdout)}, created before: not uploaded again.\n`);
    expect(await platform.sql('select count(*)::int as n from jobs where idempotency_key = ?', ['cli-test-key'])).toEqual([{ n: 1 }]);
  });

  it('wait prints the summary of an ended job and exits 2 for FAILED; errors prints its errors.csv', async () => {
    expect(failedJob).not.toBe('');
    const waited = await jabba(['wait', failedJob]);
    expect(waited.code).toBe(2);
    expect(waited.stdout).toMatch(new RegExp(`^Job ${failedJob} FAILED in \\d+s\\n  5 lines: 3 processed, 2 failed\\n$`));
    const errors = await jabba(['errors', failedJob]);
    expect(errors).toMatchObject({ code: 0, stderr: '' });
    expect(errors.stdout).toBe(await readFile(path.join(dir, 'devices.errors.csv'), 'utf8'));
    const raw = await jabba(['errors', failedJob, '--raw']);
    const rawLines = raw.stdout.trimEnd().split(/\r?\n/).slice(1);
    expect(rawLines).toHaveLength(2);
    expect(rawLines.map((l, i) => l.endsWith(`,${row(2 + 2 * i, 0)}`))).toEqual([true, true]);
  });

  it('exits 1 for a job it may not read and 2 with the usage text for bad usage', async () => {
    const missing = await jabba(['wait', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^jabba: the api refused \(404 Not Found\): /);
    const noToken = await jabba(['wait', failedJob], { JABBA_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe(`jabba: --token is required when JABBA_TOKEN is not set\n\n${(await jabba(['--help'])).stdout}`);
    expect(noToken.stderr).toContain(usageHeading);
    const noFile = await jabba(['upload', '--register-type', 'MEDICAL_DEVICE', '--reason', 'Q3']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.split('\n')[0]).toBe('jabba: FILE is required');
  });
});

describe('the progress bars', () => {
  it('redraw two rows in place on a terminal, with lines/s and ETA, and write nothing elsewhere', () => {
    const writes: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, write: (s: string) => writes.push(s) > 0 }) as unknown as NodeJS.WriteStream;
    const bars = new ProgressBars(stream(true));
    bars.bytes(1000, 4000);
    bars.lineCount(0, 100, 0);
    bars.lineCount(50, 100, 5000);
    bars.finish();
    expect(writes.at(-1)).toBe('\x1b[2A\x1b[2KUpload [######------------------]  25%  1000 B / 3.9 KiB\n'
      + '\x1b[2KLines  [############------------]  50%  50 / 100  10 lines/s  ETA 5s\n');
    writes.length = 0;
    const quiet = new ProgressBars(stream(false));
    quiet.bytes(1, 2);
    quiet.lineCount(1, 2);
    quiet.finish();
    expect(writes).toEqual([]);
  });
});
