/**
 * Keyset paging state for a Relay connection: the variables of the page on screen and the pager's
 * moves. Backwards pages use `last`/`before`, so "previous" is as cheap as "next" at any depth.
 */
import { useCallback, useMemo, useState } from 'react';

export interface KeysetVariables {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

export interface KeysetPageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor?: string | null;
  endCursor?: string | null;
}

export interface Keyset {
  variables: KeysetVariables;
  /** Back to the first page, e.g. when a filter changes. */
  reset: () => void;
  /** Props for `<Pager>` given the page on screen. */
  pager: (pageInfo: KeysetPageInfo | undefined) => { hasPrevious: boolean; hasNext: boolean; onPrevious: () => void; onNext: () => void };
}

export function useKeyset(size: number): Keyset {
  const [variables, setVariables] = useState<KeysetVariables>({ first: size });
  const reset = useCallback(() => setVariables({ first: size }), [size]);
  const pager = useCallback((pageInfo: KeysetPageInfo | undefined) => ({
    hasPrevious: Boolean(pageInfo?.hasPreviousPage && pageInfo.startCursor),
    hasNext: Boolean(pageInfo?.hasNextPage && pageInfo.endCursor),
    onPrevious: () => { if (pageInfo?.startCursor) setVariables({ last: size, before: pageInfo.startCursor }); },
    onNext: () => { if (pageInfo?.endCursor) setVariables({ first: size, after: pageInfo.endCursor }); },
  }), [size]);
  return useMemo(() => ({ variables, reset, pager }), [variables, reset, pager]);
}
