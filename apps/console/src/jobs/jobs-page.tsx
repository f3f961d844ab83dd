/**
 * The jobs list: the viewer's jobs, newest first, filtered by type (the types the api says the
 * viewer may read) and status, in keyset pages. While a job on the page runs, the page asks again
 * every 2 s — one small query for one page, whatever the number of jobs — so nothing needs a reload.
 */
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql, graphqlProblem, type ResultOf } from '../platform/graphql';
import { useFormatters } from '../platform/i18n';
import { Pager, ProblemMessage, ProgressBar, StatusBadge } from '../platform/ui';
import { useJobWords } from './words';

const pageSize = 25;
const pollMs = 2000;
const jobStatuses = ['PENDING', 'PROCESSED', 'FAILED'] as const;
type JobStatus = (typeof jobStatuses)[number];

const JobsQuery = graphql(`
  query Jobs($filter: JobFilter, $first: Int, $after: String) {
    jobTypes
    jobs(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id databaseId jobType name status startedAt endedAt progress { total processed failed pending aborted } }
    }
  }
`);

type JobRow = NonNullable<NonNullable<ResultOf<typeof JobsQuery>['jobs']['nodes']>[number]>;

function JobRowView({ job }: { job: JobRow }) {
  const { t, jobType, jobStatus } = useJobWords();
  const f = useFormatters();
  const { total, processed, failed, aborted } = job.progress;
  const done = processed + failed + aborted;
  const title = job.name ?? jobType(job.jobType);
  return (
    <tr>
      <th scope="row">
        <Link href={`/jobs/${job.databaseId}`}>{jobType(job.jobType)}</Link>
        {job.name && job.name !== jobType(job.jobType) ? <div className="hint">{job.name}</div> : null}
      </th>
      <td><StatusBadge status={job.status} label={jobStatus(job.status)} /></td>
      <td><ProgressBar label={t('progressOf', { job: title })} value={done} max={total} text={t('progressText', { done: f.number(done), total: f.number(total) })} /></td>
      <td className="number">{f.number(failed)}</td>
      <td>{f.dateTime(job.startedAt)}</td>
      <td>{f.dateTime(job.endedAt)}</td>
    </tr>
  );
}

export default function JobsPage() {
  const { t, jobType, jobStatus } = useJobWords();
  const [type, setType] = useState('');
  const [status, setStatus] = useState<JobStatus | ''>('');
  // Keyset pages: the cursors after which each earlier page started, so "previous" is exact.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const filter = { ...(type ? { type: [type] } : {}), ...(status ? { status: [status] } : {}) };
  const [{ data, error, fetching }, reexecute] = useQuery({ query: JobsQuery, variables: { filter, first: pageSize, after } });

  const jobs = (data?.jobs.nodes ?? []).filter((job): job is JobRow => job !== null);
  const running = jobs.some((job) => job.status === 'PENDING');
  useEffect(() => {
    if (!running || fetching) return;
    const timer = setTimeout(() => reexecute({ requestPolicy: 'network-only' }), pollMs);
    return () => clearTimeout(timer);
  }, [running, fetching, reexecute]);

  const restart = () => setCursors([null]);
  const problem = graphqlProblem(error);
  return (
    <>
      <h1>{t('jobsTitle')}</h1>
      <p className="hint">{t('jobsIntro')}</p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="job-type">{t('filterType')}</label>
          <select id="job-type" value={type} onChange={(e) => { setType(e.target.value); restart(); }}>
            <option value="">{t('anyType')}</option>
            {(data?.jobTypes ?? []).map((jt) => <option key={jt} value={jt}>{jobType(jt)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="job-status">{t('filterStatus')}</label>
          <select id="job-status" value={status} onChange={(e) => { setStatus(e.target.value as JobStatus | ''); restart(); }}>
            <option value="">{t('anyStatus')}</option>
            {jobStatuses.map((s) => <option key={s} value={s}>{jobStatus(s)}</option>)}
          </select>
        </div>
      </div>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <table aria-busy={fetching}>
        <caption>{t('jobsCaption', { page: cursors.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colJob')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colProgress')}</th>
            <th scope="col" className="number">{t('colFailed')}</th>
            <th scope="col">{t('colStarted')}</th>
            <th scope="col">{t('colEnded')}</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => <JobRowView key={job.id} job={job} />)}
          {data && jobs.length === 0 ? <tr><td colSpan={6}>{t('noJobs')}</td></tr> : null}
        </tbody>
      </table>
      <Pager
        hasPrevious={cursors.length > 1}
        hasNext={data?.jobs.pageInfo.hasNextPage ?? false}
        onPrevious={() => setCursors((c) => c.slice(0, -1))}
        onNext={() => setCursors((c) => [...c, data?.jobs.pageInfo.endCursor ?? null])}
      />
    </>
  );
}
