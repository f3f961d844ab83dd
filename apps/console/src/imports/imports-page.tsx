/**
 * The device registry upload: the two fields and the file, sent as one multipart form to
 * `POST /v1/device-registry-jobs` with a progress bar of the bytes really sent. The api checks the
 * header row, the size and the fields before it answers; a refusal is shown in its own words (it
 * names the line or column). An accepted file opens its job page, where the lines are processed.
 * A dry run checks every line the same way and creates nothing: a file is checked before it counts.
 */
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { useMessages } from '../platform/i18n';
import { ApiProblem, uploadWithProgress, type UploadProgress } from '../platform/rest';
import { useToken } from '../platform/session';
import { ProblemMessage, ProgressBar } from '../platform/ui';
import { FileDrop, useSize } from './file-drop';
import { importsMessages } from './messages';

interface Accepted { id: string; databaseId: string; status: string }

/** Codes seen in eHealth's REGISTER_TYPE dictionary; the field takes any code the api accepts. */
const knownRegisterTypes = ['MEDICAL_DEVICE', 'MEDICAL_DEVICE_REGISTRY', 'NATIONAL_REGISTRY'];

const looksLikeCsv = (file: File): boolean => /\.csv$/i.test(file.name) || file.type === 'text/csv';

export default function ImportsPage() {
  const t = useMessages(importsMessages);
  const size = useSize();
  const token = useToken();
  const [, navigate] = useLocation();
  const [registerType, setRegisterType] = useState('MEDICAL_DEVICE');
  const [reason, setReason] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [problem, setProblem] = useState<{ message: string; code: string } | null>(null);
  // What the console itself notices (no file, not a .csv) is a hint at the field, not a refusal.
  const [fileError, setFileError] = useState<string | null>(null);

  function choose(chosen: File) {
    setProblem(null);
    setFileError(looksLikeCsv(chosen) ? null : t('notCsv', { name: chosen.name }));
    setFile(chosen);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setFileError(t('pickFirst'));
      return;
    }
    setProblem(null);
    setFileError(null);
    // The fields first: the api checks them before it reads the file.
    const form = new FormData();
    form.append('registerType', registerType.trim());
    form.append('reasonDescription', reason.trim());
    form.append('file', file, file.name);
    setProgress({ sent: 0, total: file.size });
    try {
      // In the query, not the form: the api must know it before it reads the body.
      const path = dryRun ? '/v1/device-registry-jobs?dryRun=true' : '/v1/device-registry-jobs';
      const accepted = await uploadWithProgress<Accepted>(path, token, form, setProgress);
      navigate(`/jobs/${accepted.databaseId}`);
    } catch (error) {
      setProgress(null);
      if (error instanceof ApiProblem) setProblem({ message: error.message, code: error.problem.code ?? String(error.problem.status) });
      else throw error;
    }
  }

  const busy = progress !== null;
  return (
    <>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <form className="card" onSubmit={(event) => void submit(event)} aria-busy={busy}>
        <div className="field">
          <label htmlFor="register-type">{t('registerType')}</label>
          <input id="register-type" name="registerType" list="register-types" required maxLength={255} value={registerType} disabled={busy}
            aria-describedby="register-type-hint" onChange={(e) => setRegisterType(e.target.value)} />
          <datalist id="register-types">{knownRegisterTypes.map((code) => <option key={code} value={code} />)}</datalist>
          <span id="register-type-hint" className="hint">{t('registerTypeHint')}</span>
        </div>
        <div className="field">
          <label htmlFor="reason">{t('reasonDescription')}</label>
          <textarea id="reason" name="reasonDescription" required maxLength={2000} rows={2} value={reason} disabled={busy}
            aria-describedby="reason-hint" onChange={(e) => setReason(e.target.value)} />
          <span id="reason-hint" className="hint">{t('reasonHint')}</span>
        </div>
        <div className="field">
          <label><input type="checkbox" name="dryRun" checked={dryRun} disabled={busy} aria-describedby="dry-run-hint"
            onChange={(e) => setDryRun(e.target.checked)} /> {t('dryRun')}</label>
          <span id="dry-run-hint" className="hint">{t('dryRunHint')}</span>
        </div>
        <fieldset className="field">
          <legend>{t('file')}</legend>
          <FileDrop file={file} onFile={choose} disabled={busy} />
          {fileError ? <p className="field-error" role="alert">{fileError}</p> : null}
        </fieldset>
        {progress ? (
          <ProgressBar label={t('uploadProgress')} value={progress.sent} max={progress.total || file?.size || 1}
            text={t('sent', { sent: size(progress.sent), total: size(progress.total || file?.size || 0) })} />
        ) : null}
        {problem ? <ProblemMessage title={t('refused')} message={problem.message} code={problem.code} /> : null}
        <button type="submit" disabled={busy}>{busy ? t('uploading') : t('upload')}</button>
      </form>
    </>
  );
}
