/**
 * Sign-in: paste a bearer token, or, outside production, one button that asks the api's
 * `POST /v1/dev/sign-in` for the development user's token (that route does not exist in
 * production, so the button says so instead of working).
 */
import { useState, type FormEvent } from 'react';
import { useMessages } from '../platform/i18n';
import { platformMessages } from '../platform/messages';
import { ApiProblem, type Problem } from '../platform/rest';

/** The api's problem in its words (a 404 in production: the route does not exist there). */
function problemOf(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as { title?: string; detail?: string };
    return { status, title: body.title ?? `HTTP ${status}`, detail: body.detail ?? body.title ?? `HTTP ${status}` };
  } catch {
    return { status, title: `HTTP ${status}`, detail: text.slice(0, 300) || `HTTP ${status}` };
  }
}
import { useSession } from '../platform/session';
import { ProblemMessage } from '../platform/ui';

export function SignInPage({ refused, onRetry }: { refused?: string; onRetry?: () => void }) {
  const { signIn } = useSession();
  const t = useMessages(platformMessages);
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    onRetry?.();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed) signIn(trimmed);
  }

  async function devSignIn() {
    setProblem(null);
    onRetry?.();
    try {
      const response = await fetch('/v1/dev/sign-in', { method: 'POST' });
      const text = await response.text();
      if (!response.ok) throw new ApiProblem(problemOf(response.status, text));
      const body = JSON.parse(text) as { token: string };
      signIn(body.token);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>{t('signInTitle')}</h1>
      <p>{t('signInIntro')}</p>
      {refused ? <ProblemMessage message={t('tokenRefused', { message: refused })} /> : null}
      <form onSubmit={submit}>
        <label htmlFor="token">{t('tokenLabel')}</label>
        <textarea id="token" name="token" rows={4} value={token} onChange={(event) => setToken(event.target.value)} autoComplete="off" spellCheck={false} required />
        <button type="submit">{t('signInButton')}</button>
      </form>
      <hr />
      <button type="button" onClick={() => void devSignIn()}>{t('devSignIn')}</button>
      <p className="hint">{t('devSignInHint')}</p>
      {problem ? <ProblemMessage message={problem} /> : null}
    </main>
  );
}
