import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14, poison records: how often each chunk (a job's range of task positions, in one epoch) was
 * started, counted by a statement that commits before the chunk runs, so that a chunk whose record
 * kills its worker is still counted. BullMQ's own counts live in Redis and start again whenever the
 * reconciler re-adds a chunk; these do not. engine/chunk-attempts.ts reads and writes them; a job's
 * rows are deleted when it ends, and with it.
 */
export class Migration20261205000002_chunk_attempts extends Migration {
  override up(): void {
    this.addSql(`
      create table chunk_attempts (
        job_id uuid not null references jobs (id) on delete cascade,
        epoch int not null,
        from_seq int not null,
        to_seq int not null check (to_seq >= from_seq),
        attempts int not null check (attempts > 0),
        last_attempt_at timestamptz(6) not null default now(),
        primary key (job_id, epoch, from_seq, to_seq)
      )`);
  }

  override down(): void {
    this.addSql('drop table chunk_attempts');
  }
}
