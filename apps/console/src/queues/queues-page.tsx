/**
 * Queue depths (scope `queues:read`): per BullMQ queue its waiting, active, delayed and failed
 * counts, asked again every few seconds, and when the reconciler last ran. Our own read-only page
 * rather than bull-board: bull-board carries write actions (retry, clean, promote) that bypass the
 * api's identity chains, and it ships its own UI stack beside ours, with its own styles and words.
 */
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { graphql, graphqlProblem } from '../platform/graphql';
import { useFormatters, useMessages } from '../platform/i18n';
import { ProblemMessage, StatusBadge } from '../platform/ui';
import { queueMessages } from './messages';

const refreshSeconds = 3;

export const QueuesQuery = graphql(`
  query Queues {
    queues {
      queues { name waiting active delayed failed completed paused }
      reconciler { lastRunAt lastReenqueued }
    }
  }
`);

const columns = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
const headers = { waiting: 'colWaiting', active: 'colActive', delayed: 'colDelayed', failed: 'colFailed', completed: 'colCompleted' } as const;

export default function QueuesPage() {
  const t = useMessages(queueMessages);
  const { dateTime, number } = useFormatters();
  const [{ data, error }, refetch] = useQuery({ query: QueuesQuery, requestPolicy: 'network-only' });
  const [askedAt, setAskedAt] = useState(() => new Date().toISOString());
  useEffect(() => {
    const timer = setInterval(() => {
      refetch({ requestPolicy: 'network-only' });
      setAskedAt(new Date().toISOString());
    }, refreshSeconds * 1000);
    return () => clearInterval(timer);
  }, [refetch]);
  const problem = graphqlProblem(error);
  const status = data?.queues;

  return (
    <>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <p className="hint">{t('refreshed', { seconds: refreshSeconds, time: dateTime(askedAt) })}</p>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <table>
        <caption>{t('caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colQueue')}</th>
            {columns.map((c) => <th key={c} scope="col" className="number">{t(headers[c])}</th>)}
            <th scope="col">{t('colPaused')}</th>
          </tr>
        </thead>
        <tbody>
          {status?.queues.map((q) => (
            <tr key={q.name}>
              <th scope="row"><code>{q.name}</code></th>
              {columns.map((c) => <td key={c} className={c === 'failed' && q.failed > 0 ? 'number cell-bad' : 'number'}>{number(q[c])}</td>)}
              <td>{q.paused ? <StatusBadge status="inactive" label={t('pausedYes')} /> : t('pausedNo')}</td>
            </tr>
          ))}
          {status && status.queues.length === 0 ? <tr><td colSpan={columns.length + 2}>{t('none')}</td></tr> : null}
        </tbody>
      </table>
      <section className="card reconciler" aria-labelledby="reconciler-title">
        <h2 id="reconciler-title">{t('reconcilerTitle')}</h2>
        <dl className="stats">
          <div><dt>{t('lastRunAt')}</dt><dd>{status ? (status.reconciler.lastRunAt ? dateTime(status.reconciler.lastRunAt) : t('neverRan')) : '…'}</dd></div>
          <div><dt>{t('lastReenqueued')}</dt><dd>{status?.reconciler.lastReenqueued === null || status?.reconciler.lastReenqueued === undefined ? '—' : number(status.reconciler.lastReenqueued)}</dd></div>
        </dl>
      </section>
    </>
  );
}
