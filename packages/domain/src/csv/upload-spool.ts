/**
 * An upload on local disk, received before its job's transaction opens. The job's tasks are read
 * inside that transaction (engine/job-create.ts): read from the client, they held a connection and
 * an open transaction for as long as that client took, so ten clients trickling a byte a second
 * pinned the api's whole pool. Received first, the transaction lasts as long as reading a local
 * file takes, whoever sent it.
 *
 * The spool is the upload's bytes as sent, not its tasks: turning records into task rows happens
 * inside the transaction, on the api's core, while Postgres stores the rows before them on another.
 * An upload of 1,000,000 lines took 19.6 s until the 202 when its task rows were spooled and then
 * COPYed, 14.5 s so (`npm run bench:import -- --lines 1000000`, one run each on one machine).
 *
 * The file lives in the OS temporary directory (`TMPDIR`), needs as much room as the upload, and
 * is removed when the job is written or refused.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface UploadSpool {
  /** The upload's size, which bounds how long reading it may take. */
  bytes: number;
  /** The upload from its start, as a stream of bytes. */
  read(): ReadStream;
}

/**
 * Writes `chunks` to a temporary file, then runs `use` with it; the file is removed afterwards,
 * whether `chunks` or `use` failed or not. An error of `chunks` (a refused upload) propagates as is.
 */
export async function withUploadSpool<R>(chunks: AsyncIterable<Uint8Array | string>, use: (spool: UploadSpool) => Promise<R>): Promise<R> {
  const file = join(tmpdir(), `jabba-upload-${randomUUID()}.csv`);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(file));
    const { size } = await stat(file);
    return await use({ bytes: size, read: () => createReadStream(file, { highWaterMark: 1 << 16 }) });
  } finally {
    await rm(file, { force: true });
  }
}
