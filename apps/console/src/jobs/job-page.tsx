/**
 * One job (`/jobs/:id`, the job's databaseId): status, counters, throughput, elapsed time and ETA,
 * live from the api's event stream; the actions beside it; its tasks below.
 */
import type { JobSnapshot } from '../platform/events';
import { useFormatters } from '../platform/i18n';
import { ProblemMessage, ProgressBar, StatusBadge } from '../platform/ui';
import { JobActions } from './job-actions';
import { useLiveJob, type LiveJob } from './live';
import { TaskTable } from './task-table';
import { useJobWords } from './words';

const metaText = (meta: JobSnapshot['meta'], key: string): string | null => {
  const value = meta?.[key];
  return typeof value === 'string' ? value : null;
};

function Figures({ live, snapshot }: { live: LiveJob; snapshot: JobSnapshot }) {
  const { t, duration } = useJobWords();
  const f = useFormatters();
  const { progress } = snapshot;
  const done = progress.processed + progress.failed + progress.aborted;
  const stats: [string, string, string][] = [
    ['total', t('total'), f.number(progress.total)],
    ['processed', t('processed'), f.number(progress.processed)],
    ['failed', t('failed'), f.number(progress.failed)],
    ['pending', t('pending'), f.number(progress.pending)],
    ['aborted', t('aborted'), f.number(progress.aborted)],
    ['throughput', t('throughput'), live.rate === null ? t('etaUnknown') : t('perSecond', { n: Math.round(live.rate) })],
    ['elapsed', t('elapsed'), live.elapsedS === null ? t('etaUnknown') : duration(live.elapsedS)],
    ['eta', t('eta'), live.etaS === null ? t('etaUnknown') : duration(live.etaS)],
  ];
  return (
    <>
      <ProgressBar label={t('jobProgress')} value={done} max={progress.total} text={`${f.percent(progress.total > 0 ? done / progress.total : 0)} · ${t('progressText', { done: f.number(done), total: f.number(progress.total) })}`} />
      <dl className="stats">
        {stats.map(([key, label, value]) => (
          <div key={key} data-stat={key}><dt>{label}</dt><dd>{value}</dd></div>
        ))}
      </dl>
    </>
  );
}

function JobView({ databaseId }: { databaseId: string }) {
  const { t } = useJobWords();
  const live = useLiveJob(databaseId);
  const { snapshot } = live;
  if (live.problem && !snapshot) {
    return <ProblemMessage message={live.problem.status === 404 ? t('jobMissing') : (live.problem.detail ?? live.problem.title)} code={live.problem.code} />;
  }
  // Most jobs are imports: their id is known before the first snapshot says so.
  const jobId = snapshot?.id ?? btoa(`DeviceRegistryJob:${databaseId}`);
  return (
    <>
      {snapshot ? <JobHeader live={live} snapshot={snapshot} /> : <p role="status">{t('connecting')}</p>}
      {/* Always in the same place, so the first snapshot does not remount it (and ask again). */}
      <TaskTable jobId={jobId} snapshot={snapshot} running={snapshot !== null && !live.ended} />
    </>
  );
}

function JobHeader({ live, snapshot }: { live: LiveJob; snapshot: JobSnapshot }) {
  const { t, jobType, jobStatus } = useJobWords();
  const f = useFormatters();
  const running = !live.ended;
  const registerType = metaText(snapshot.meta, 'registerType');
  const reason = metaText(snapshot.meta, 'reasonDescription');
  const dryRun = snapshot.meta?.['dryRun'] === true;
  return (
    <>
      <h1>
        {t('jobTitle', { type: jobType(snapshot.type) })}{' '}
        <StatusBadge status={snapshot.status} label={jobStatus(snapshot.status)} />
      </h1>
      <p className="hint">
        <code>{snapshot.databaseId}</code> · {t('startedAt')} {f.dateTime(snapshot.startedAt)}
        {snapshot.endedAt ? <> · {t('endedAt')} {f.dateTime(snapshot.endedAt)}</> : <> · <span className="badge badge-pending">{t('live')}</span></>}
      </p>
      {registerType || reason ? (
        <dl className="meta">
          {registerType ? <><dt>{t('registerType')}</dt><dd>{registerType}</dd></> : null}
          {reason ? <><dt>{t('reason')}</dt><dd>{reason}</dd></> : null}
          {dryRun ? <><dt>{t('dryRun')}</dt><dd data-meta="dry-run">{t('dryRunNote')}</dd></> : null}
        </dl>
      ) : null}
      {/* Not a live region: figures that change every second would drown a screen reader. */}
      <Figures live={live} snapshot={snapshot} />
      <JobActions snapshot={snapshot} running={running} onChanged={live.rewatch} />
    </>
  );
}

export default function JobPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params['id'] ?? '';
  // A new id is a new job: fresh state, not the last job's figures for a moment.
  return <JobView key={id} databaseId={id} />;
}
