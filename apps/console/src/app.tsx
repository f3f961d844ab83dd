/**
 * The shell: sign-in until the api accepts a token, then the navigation, the language switch and
 * the page of the current address. Every page is a feature's own (routes.ts).
 */
import { Suspense, useEffect } from 'react';
import { Link, Redirect, Route, Switch, useRoute } from 'wouter';
import { denial } from './platform/access';
import { locales, useLocale, useMessages, type Locale } from './platform/i18n';
import { platformMessages } from './platform/messages';
import { SessionProvider, useSession, useViewer, ViewerGate } from './platform/session';
import { denialText, ProblemMessage } from './platform/ui';
import { preloadPageOf, routes, type ConsoleRoute } from './routes';
import { SignInPage } from './sign-in/sign-in-page';

const localeNames: Record<Locale, string> = { en: 'English', uk: 'Українська' };

function LanguageSwitch() {
  const { locale, setLocale } = useLocale();
  const t = useMessages(platformMessages);
  return (
    <label className="language">
      {t('language')}{' '}
      <select value={locale} onChange={(event) => setLocale(event.target.value as Locale)}>
        {locales.map((l) => <option key={l} value={l} lang={l}>{localeNames[l]}</option>)}
      </select>
    </label>
  );
}

function NavItem({ route }: { route: ConsoleRoute }) {
  const viewer = useViewer();
  const t = useMessages(platformMessages);
  const [active] = useRoute(route.path);
  if (!route.nav) return null;
  const denied = denial(viewer, route.requirement);
  if (denied) {
    const reason = denialText(t, denied);
    return <li><span className="nav-disabled" aria-disabled="true" title={reason}>{t(route.nav)}<span className="visually-hidden"> ({t('unavailable', { reason })})</span></span></li>;
  }
  return <li><Link href={route.path} aria-current={active ? 'page' : undefined}>{t(route.nav)}</Link></li>;
}

function RoutePage({ route, params }: { route: ConsoleRoute; params: Record<string, string | undefined> }) {
  const viewer = useViewer();
  const t = useMessages(platformMessages);
  const denied = denial(viewer, route.requirement);
  if (denied) return <ProblemMessage message={t('unavailable', { reason: denialText(t, denied) })} />;
  const Page = route.page;
  return <Page params={params} />;
}

function SignedIn() {
  const viewer = useViewer();
  const { signOut } = useSession();
  const t = useMessages(platformMessages);
  return (
    <>
      <a className="skip-link" href="#main">{t('skipToContent')}</a>
      <header className="top">
        <span className="brand">{t('appName')}</span>
        <nav aria-label={t('navLabel')}>
          <ul>{routes.map((route) => <NavItem key={route.path} route={route} />)}</ul>
        </nav>
        <div className="who">
          <span>{t('signedInAs', { client: viewer.client.name })}</span>
          <LanguageSwitch />
          <button type="button" onClick={signOut}>{t('signOut')}</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          <Switch>
            {routes.map((route) => (
              <Route key={route.path} path={route.path}>{(params) => <RoutePage route={route} params={params} />}</Route>
            ))}
            <Route path="/"><Redirect to="/jobs" /></Route>
            <Route><p>{t('notFound')}</p></Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}

function Gate() {
  const { token, signOut } = useSession();
  const t = useMessages(platformMessages);
  // While the viewer query is out, the page's code loads beside it.
  useEffect(() => {
    if (token) preloadPageOf(window.location.pathname);
  }, [token]);
  if (!token) return <SignInPage />;
  return (
    <ViewerGate
      fallback={({ problem }) =>
        problem ? <SignInPage refused={problem.message} onRetry={signOut} /> : <p role="status">{t('checkingToken')}</p>
      }
    >
      <SignedIn />
    </ViewerGate>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}
