/**
 * One destination: its status, the date decommissioning becomes allowed, and a button per
 * transition the state machine allows from here. A button the token cannot use, or that the day
 * rule does not allow yet, is disabled with the reason beside it.
 */
import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { useMessages } from '../platform/i18n';
import { ApiProblem } from '../platform/rest';
import { useToken } from '../platform/session';
import { ProblemMessage, StatusBadge, useDenial } from '../platform/ui';
import { manageDestination } from './access';
import { changeStatus, tooEarly, transitions, type DestinationStatus, type TargetStatus } from './lifecycle';
import { destinationMessages } from './messages';

export interface DestinationItem {
  id: string;
  databaseId: string;
  name: string;
  status: DestinationStatus;
  statusChangedAt: string;
  decommissionAllowedFrom: string | null;
}

type Progress = { kind: 'idle' } | { kind: 'busy'; following: boolean } | { kind: 'problem'; message: string; code?: string } | { kind: 'failed'; jobId: string };

export function DestinationRow({ destination: d, formatDate, onChanged }: { destination: DestinationItem; formatDate: (iso: string | null) => string; onChanged: (message: string) => void }) {
  const t = useMessages(destinationMessages);
  const token = useToken();
  const denied = useDenial(manageDestination(d.databaseId));
  const [progress, setProgress] = useState<Progress>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  const now = Date.now();

  async function apply(target: TargetStatus) {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ kind: 'busy', following: false });
    try {
      const outcome = await changeStatus(token, d.databaseId, target, () => setProgress({ kind: 'busy', following: true }), controller.signal);
      if (outcome.kind === 'failed') setProgress(outcome);
      else {
        setProgress({ kind: 'idle' });
        onChanged(t('changed', { name: d.name, status: t(`status${target}`) }));
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (!(error instanceof ApiProblem)) throw error;
      setProgress({ kind: 'problem', message: error.message, ...(error.problem.code ? { code: error.problem.code } : {}) });
    }
  }

  const targets = transitions[d.status];
  const reasonId = `destination-${d.databaseId}-reason`;
  const earlyReason = d.decommissionAllowedFrom ? t('tooEarly', { date: formatDate(d.decommissionAllowedFrom) }) : null;
  return (
    <tr>
      <th scope="row">{d.name}</th>
      <td><StatusBadge status={d.status} label={t(`status${d.status}`)} /></td>
      <td>{formatDate(d.statusChangedAt)}</td>
      <td>
        {d.decommissionAllowedFrom
          ? tooEarly('DECOMMISSIONED', d.decommissionAllowedFrom, now)
            ? t('allowedFrom', { date: formatDate(d.decommissionAllowedFrom) })
            : t('allowedNow')
          : '—'}
      </td>
      <td>
        {targets.length === 0 ? <span className="hint">{t('noTransitions')}</span> : (
          <div className="row-actions">
            {targets.map((target) => {
              const early = tooEarly(target, d.decommissionAllowedFrom, now);
              const disabled = progress.kind === 'busy' || denied !== null || early;
              return (
                <button key={target} type="button" className={target === 'DECOMMISSIONED' ? 'danger' : target === 'INACTIVE' ? 'secondary' : undefined}
                  disabled={disabled} aria-describedby={denied || early ? reasonId : undefined}
                  aria-label={t('actionFor', { action: t(`to${target}`), name: d.name })}
                  onClick={() => void apply(target)}>
                  {t(`to${target}`)}
                </button>
              );
            })}
          </div>
        )}
        {denied || (earlyReason && targets.some((target) => tooEarly(target, d.decommissionAllowedFrom, now)))
          ? <p id={reasonId} className="unavailable">{denied ?? earlyReason}</p> : null}
        {progress.kind === 'busy' && progress.following ? <p role="status" className="hint">{t('following', { name: d.name })}</p> : null}
        {progress.kind === 'problem' ? <ProblemMessage message={progress.message} code={progress.code} onDismiss={() => setProgress({ kind: 'idle' })} /> : null}
        {progress.kind === 'failed' ? <p role="alert" className="field-error">{t('jobFailed', { name: d.name })} <Link href={`/jobs/${progress.jobId}`}>{t('jobLink')}</Link></p> : null}
      </td>
    </tr>
  );
}
