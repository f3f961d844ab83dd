/**
 * A job's tasks, filtered by status, in keyset pages of 50. While the job runs the page is asked
 * again every 2 s (and once more when it ends), so new failures appear without a reload.
 */
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import type { JobSnapshot } from '../platform/events';
import { graphqlProblem } from '../platform/graphql';
import { useFormatters } from '../platform/i18n';
import { Pager, ProblemMessage } from '../platform/ui';
import { JobTasksQuery, taskPageOf, taskPageSize, taskStatuses, type TaskStatus } from './task-queries';
import { TaskRowView } from './task-row';
import { useJobWords } from './words';

const refreshMs = 2000;

export function TaskTable({ snapshot, running }: { snapshot: JobSnapshot; running: boolean }) {
  const { t, taskStatus } = useJobWords();
  const f = useFormatters();
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: JobTasksQuery,
    variables: { id: snapshot.id, filter: status ? { status } : {}, first: taskPageSize, after },
  });

  useEffect(() => {
    if (!running || fetching) return;
    const timer = setTimeout(() => reexecute({ requestPolicy: 'network-only' }), refreshMs);
    return () => clearTimeout(timer);
  }, [running, fetching, reexecute]);
  // The last word once the job ends (or is cancelled): the rows' final statuses.
  useEffect(() => {
    if (!running) reexecute({ requestPolicy: 'network-only' });
  }, [running, reexecute]);

  const page = taskPageOf(data?.node);
  const problem = graphqlProblem(error);
  const counts = snapshot.tasks;
  const filterLabel = status ? taskStatus(status) : t('allTasks', { n: snapshot.progress.total });
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">{t('tasksTitle')}</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="task-status">{t('taskFilter')}</label>
          <select id="task-status" value={status} onChange={(e) => { setStatus(e.target.value as TaskStatus | ''); setCursors([null]); }}>
            <option value="">{t('allTasks', { n: f.number(snapshot.progress.total) })}</option>
            {taskStatuses.map((s) => (
              <option key={s} value={s}>{t('taskOption', { status: taskStatus(s), n: f.number(counts[s.toLowerCase() as keyof typeof counts]) })}</option>
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
