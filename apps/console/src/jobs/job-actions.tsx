/**
 * What an operator does to a job, beside it: download the failed records, run the failed tasks
 * again, cancel (after a confirmation in a modal dialog). Each button is enabled only when the
 * job's state and the viewer's rights allow it, and says why not otherwise.
 */
import { useId, useRef, useState } from 'react';
import type { JobSnapshot } from '../platform/events';
import { apiFetch, ApiProblem, download } from '../platform/rest';
import { useToken } from '../platform/session';
import { ProblemMessage, useDenial } from '../platform/ui';
import { jobsAccess, writeRequirementOf } from './access';
import { useJobWords } from './words';

function Action({ label, reason, onClick, className }: { label: string; reason: string | null; onClick: () => void; className?: string }) {
  const id = useId();
  return (
    <span className="action">
      <button type="button" className={className} onClick={onClick} disabled={reason !== null} aria-describedby={reason ? id : undefined}>{label}</button>
      {reason ? <span id={id} className="hint">{reason}</span> : null}
    </span>
  );
}

export function JobActions({ snapshot, running, onChanged }: { snapshot: JobSnapshot; running: boolean; onChanged: () => void }) {
  const { t } = useJobWords();
  const token = useToken();
  const readDenied = useDenial(jobsAccess.read);
  const writeDenied = useDenial(writeRequirementOf(snapshot.type));
  const dialog = useRef<HTMLDialogElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const failed = snapshot.tasks.failed + snapshot.tasks.rescued;
  async function run(action: () => Promise<unknown>, done: string) {
    setProblem(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
      onChanged();
    } catch (error) {
      if (error instanceof ApiProblem) setProblem(error);
      else throw error;
    }
  }

  const downloadErrors = () => run(() => download(snapshot.links.errors, token, `${snapshot.databaseId}-errors.csv`), t('downloaded'));
  const retry = () => run(() => apiFetch(snapshot.links.retryFailed, token, { method: 'POST' }), t('retrying'));
  const cancel = () => {
    dialog.current?.close();
    return run(() => apiFetch(snapshot.links.cancel, token, { method: 'POST' }), t('cancelled'));
  };

  return (
    <section aria-labelledby="actions-title" className="card">
      <h2 id="actions-title">{t('actions')}</h2>
      <div className="toolbar">
        <Action label={t('downloadErrors')} className="secondary" reason={readDenied ?? (failed === 0 ? t('noFailures') : null)} onClick={() => void downloadErrors()} />
        <Action label={t('retryFailed')} reason={writeDenied ?? (failed === 0 ? t('noFailures') : null)} onClick={() => void retry()} />
        <Action label={t('cancelJob')} className="danger" reason={writeDenied ?? (running ? null : t('jobEnded'))} onClick={() => dialog.current?.showModal()} />
      </div>
      <p role="status" className="hint">{notice}</p>
      {problem ? <ProblemMessage message={problem.message} code={problem.problem.code} onDismiss={() => setProblem(null)} /> : null}
      <dialog ref={dialog} aria-labelledby="cancel-title" aria-describedby="cancel-text">
        <h2 id="cancel-title">{t('confirmCancelTitle')}</h2>
        <p id="cancel-text">{t('confirmCancelText')}</p>
        <div className="toolbar">
          <button type="button" className="danger" onClick={() => void cancel()}>{t('confirmCancel')}</button>
          <button type="button" className="secondary" autoFocus onClick={() => dialog.current?.close()}>{t('keepRunning')}</button>
        </div>
      </dialog>
    </section>
  );
}
