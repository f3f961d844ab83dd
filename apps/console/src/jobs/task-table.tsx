/**
 * A job's tasks, filtered by status, in keyset pages of 50. While the job runs the page is asked
 * again every 2 s (and once more when it ends), so new failures appear without a reload.
 */
import { useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import type { JobSnapshot } from '../platform/events';
import { graphqlProblem } from '../platform/graphql';
import { useFormatters } from '../platform/i18n';
import { Pager, ProblemMessage } from '../platform/ui';
import { JobTasksQuery, taskPageOf, taskPageSize, taskStatuses, type TaskStatus } from './task-queries';
import { TaskRowView } from './task-row';
import { useJobWords } from './words';

const refreshMs = 2000;

/**
 * `jobId` is the job's global id; the page may guess it before the job's first snapshot arrives,
 * so the tasks and the figures load side by side rather than one after the other.
 */
export function TaskTable({ jobId, snapshot, running }: { jobId: string; snapshot: JobSnapshot | null; running: boolean }) {
  const { t, taskStatus } = useJobWords();
  const f = useFormatters();
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: JobTasksQuery,
    variables: { id: jobId, filter: status ? { status } : {}, first: taskPageSize, after },
  });

  useEffect(() => {
    if (!running || fetching) return;
    const timer = setTimeout(() => reexecute({ requestPolicy: 'network-only' }), refreshMs);
    return () => clearTimeout(timer);
  }, [running, fetching, reexecute]);
  // The last word once a running job ends (or is cancelled): the rows' final statuses.
  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) reexecute({ requestPolicy: 'network-only' });
    wasRunning.current = running;
  }, [running, reexecute]);

  const page = taskPageOf(data?.node);
  const problem = graphqlProblem(error);
  const counts = snapshot?.tasks;
  const count = (n: number | undefined) => (n === undefined ? '…' : f.number(n));
  const filterLabel = status ? taskStatus(status) : t('allTasks', { n: count(snapshot?.progress.total) });
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">{t('tasksTitle')}</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="task-status">{t('taskFilter')}</label>
          <select id="task-status" value={status} onChange={(e) => { setStatus(e.target.value as TaskStatus | ''); setCursors([null]); }}>
            <option value="">{t('allTasks', { n: count(snapshot?.progress.total) })}</option>
            {taskStatuses.map((s) => (
              <option key={s} value={s}>{t('taskOption', { status: taskStatus(s), n: count(counts?.[s.toLowerCase() as keyof NonNullable<typeof counts>]) })}</option>
            ))}
          </select>
        </div>
      </div>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <table className="tasks" aria-busy={fetching}>
        <caption>{t('tasksCaption', { filter: filterLabel, page: cursors.length })}</caption>
        <thead>
          <tr>
            <th scope="col" className="number">{t('colLine')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colRecord')}</th>
            <th scope="col">{t('colProblem')}</th>
          </tr>
        </thead>
        <tbody>
          {page?.rows.map((task) => <TaskRowView key={task.id} task={task} />)}
          {page && page.rows.length === 0 ? <tr><td colSpan={4}>{t('noTasks')}</td></tr> : null}
        </tbody>
      </table>
      <Pager
        hasPrevious={cursors.length > 1}
        hasNext={page?.hasNextPage ?? false}
        onPrevious={() => setCursors((c) => c.slice(0, -1))}
        onNext={() => setCursors((c) => [...c, page?.endCursor ?? null])}
      />
    </section>
  );
}
