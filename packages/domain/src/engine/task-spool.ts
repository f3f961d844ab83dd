/**
 * A new job's task rows, in COPY text, written to a local temporary file before the job's
 * transaction opens. The tasks may come from a client still sending its upload: COPYing them
 * straight into Postgres held a connection and an open transaction for as long as that client
 * took, so ten clients trickling a byte a second pinned the api's whole pool. Spooled first, the
 * transaction lasts as long as reading a local file takes, whoever produced the tasks; every
 * refusal (a bad header, a size limit, a bad field) comes before Postgres is touched at all.
 *
 * The file lives in the OS temporary directory (`TMPDIR`), needs about as much room as the
 * upload, and is removed when the job is written or refused.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface TaskSpool {
  /** Size of the COPY text, which bounds how long COPYing it may take. */
  bytes: number;
  /** The rows, from the start, for one COPY. */
  read(): ReadStream;
}

/**
 * Writes `rows` to a temporary file, then runs `use` with it; the file is removed afterwards,
 * whether `rows` or `use` failed or not. An error of `rows` (a refused upload) propagates as is.
 */
export async function withTaskSpool<R>(rows: AsyncIterable<string>, use: (spool: TaskSpool) => Promise<R>): Promise<R> {
  const file = join(tmpdir(), `jabba-tasks-${randomUUID()}.copy`);
  try {
    await pipeline(Readable.from(rows, { objectMode: false }), createWriteStream(file));
    const { size } = await stat(file);
    return await use({ bytes: size, read: () => createReadStream(file, { highWaterMark: 1 << 16 }) });
  } finally {
    await rm(file, { force: true });
  }
}
