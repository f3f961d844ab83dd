/**
 * Who is signed in. The bearer token lives in sessionStorage: it is kept for this tab only and
 * gone when the tab closes. `viewer` is asked of the api, never decoded from the token, so what the
 * console shows is what the api will check.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider, useQuery, type Client } from 'urql';
import { graphql, graphqlClient, graphqlProblem, type GraphqlProblem, type ResultOf } from './graphql';

const storageKey = 'jabba.token';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer { userId scopes roles client { databaseId name type status blocked } }
  }
`);

export type Viewer = ResultOf<typeof ViewerQuery>['viewer'];

interface SessionState {
  token: string | null;
  signIn: (token: string) => void;
  signOut: () => void;
}

const SessionContext = createContext<SessionState>({ token: null, signIn: () => undefined, signOut: () => undefined });
const ViewerContext = createContext<Viewer | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(storageKey));
  const signIn = useCallback((next: string) => {
    sessionStorage.setItem(storageKey, next);
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setToken(null);
  }, []);
  const client = useMemo<Client | null>(() => (token ? graphqlClient(token) : null), [token]);
  const value = useMemo(() => ({ token, signIn, signOut }), [token, signIn, signOut]);
  return (
    <SessionContext.Provider value={value}>
      {client ? <UrqlProvider value={client}>{children}</UrqlProvider> : children}
    </SessionContext.Provider>
  );
}

export const useSession = (): SessionState => useContext(SessionContext);

/** The token of a signed-in page (pages below `ViewerGate` are only rendered with one). */
export function useToken(): string {
  const { token } = useSession();
  if (!token) throw new Error('useToken outside a signed-in page');
  return token;
}

export const useViewer = (): Viewer => {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside ViewerGate');
  return viewer;
};

/** Loads the viewer once per token; a token the api refuses signs the tab out. */
export function ViewerGate({ children, fallback }: { children: ReactNode; fallback: (state: { loading: boolean; problem: GraphqlProblem | null }) => ReactNode }) {
  const [{ data, fetching, error }] = useQuery({ query: ViewerQuery, requestPolicy: 'network-only' });
  const problem = graphqlProblem(error);
  if (!data) return <>{fallback({ loading: fetching, problem })}</>;
  return <ViewerContext.Provider value={data.viewer}>{children}</ViewerContext.Provider>;
}
