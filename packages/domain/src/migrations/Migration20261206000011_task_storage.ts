import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15: tasks are written twice, PENDING by the upload's COPY and in their final state by the
 * chunk's outcome UPDATE. That UPDATE cannot be HOT (it changes `status`, which an index holds), so
 * each one writes a new row version and new index entries. Two settings make it cheaper:
 * - fillfactor 50: the COPY leaves half of each page free, so the new version lands on the page of
 *   the old one (less WAL, the same pages in cache) instead of at the end of a table that doubles;
 *   the old versions are pruned from the page later, so the final size is what it was;
 * - the status index holds only tasks not PROCESSED: the 97 % of updates that end PROCESSED add no
 *   entry to it, and what the index is for (claims of PENDING tasks, pages of FAILED ones, the
 *   reconciler, retries) never looks for PROCESSED tasks by it: a page of PROCESSED tasks reads
 *   `(job_id, seq)`, nearly every row of which matches.
 */
export class Migration20261206000011_task_storage extends Migration {
  override up(): void {
    this.addSql('alter table tasks set (fillfactor = 50)');
    this.addSql(`create index tasks_job_unprocessed_idx on tasks (job_id, status, seq) where status <> 'PROCESSED'`);
    this.addSql('drop index tasks_job_status_seq_idx');
  }

  override down(): void {
    this.addSql('create index tasks_job_status_seq_idx on tasks (job_id, status, seq)');
    this.addSql('drop index tasks_job_unprocessed_idx');
    this.addSql('alter table tasks reset (fillfactor)');
  }
}
