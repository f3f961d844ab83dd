/**
 * The few building blocks every page shares, accessible by construction: a progress bar that is a
 * `progressbar` with its value, a problem that is an `alert`, keyset pager buttons, and controls
 * that say why they are unavailable instead of silently doing nothing.
 */
import type { ReactNode } from 'react';
import { denial, type Denial, type Requirement } from './access';
import { useMessages, type Translate } from './i18n';
import { platformMessages } from './messages';
import { useViewer } from './session';

export function ProgressBar({ label, value, max, text }: { label: string; value: number; max: number; text?: string }) {
  const fraction = max > 0 ? Math.min(1, value / max) : 0;
  const percent = Math.round(fraction * 1000) / 10;
  return (
    <div className="progress">
      <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={text ?? `${percent}%`} className="progress-track">
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text" aria-hidden="true">{text ?? `${percent}%`}</span>
    </div>
  );
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{label ?? status}</span>;
}

/** A refusal in words: the api's message as sent, with its code for the support desk. */
export function ProblemMessage({ title, message, code, onDismiss }: { title?: string; message: string; code?: string | undefined; onDismiss?: () => void }) {
  const t = useMessages(platformMessages);
  return (
    <div role="alert" className="problem">
      <strong>{title ?? t('problemTitle')}</strong> <span>{message}</span>
      {code ? <code className="problem-code">{code}</code> : null}
      {onDismiss ? <button type="button" className="link" onClick={onDismiss}>{t('close')}</button> : null}
    </div>
  );
}

export function Pager({ hasPrevious, hasNext, onPrevious, onNext }: { hasPrevious: boolean; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  const t = useMessages(platformMessages);
  return (
    <nav className="pager" aria-label={`${t('previousPage')} / ${t('nextPage')}`}>
      <button type="button" onClick={onPrevious} disabled={!hasPrevious}>← {t('previousPage')}</button>
      <button type="button" onClick={onNext} disabled={!hasNext}>{t('nextPage')} →</button>
    </nav>
  );
}

export function denialText(t: Translate<keyof (typeof platformMessages)['en']>, d: Denial): string {
  switch (d.reason) {
    case 'scope': return t('denyScope', { scope: d.scope });
    case 'inactive': return t('denyInactive');
    case 'blocked': return t('denyBlocked');
    case 'notNhs': return t('denyNotNhs');
    case 'role': return t('denyRole', { role: d.role });
  }
}

/** Why the viewer may not do this, in words, or null when they may. */
export function useDenial(requirement: Requirement): string | null {
  const viewer = useViewer();
  const t = useMessages(platformMessages);
  const d = denial(viewer, requirement);
  return d ? denialText(t, d) : null;
}

/** Renders `children` when the viewer meets `requirement`, else the reason they do not. */
export function Allowed({ requirement, children }: { requirement: Requirement; children: ReactNode }) {
  const reason = useDenial(requirement);
  const t = useMessages(platformMessages);
  if (reason) return <p className="unavailable" role="note">{t('unavailable', { reason })}</p>;
  return <>{children}</>;
}
