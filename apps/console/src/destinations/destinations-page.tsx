/**
 * Destinations (SPEC §4): the organisation's destinations with their status, newest first in keyset
 * pages, a form to create one, and on each row only the transitions the state machine allows,
 * each disabled with the reason when the token lacks that destination's manage scope.
 */
import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { graphql, graphqlProblem } from '../platform/graphql';
import { useFormatters, useMessages } from '../platform/i18n';
import { useKeyset } from '../platform/keyset';
import { ApiProblem, apiFetch } from '../platform/rest';
import { useToken } from '../platform/session';
import { Pager, ProblemMessage, useDenial } from '../platform/ui';
import { destinationsAccess } from './access';
import type { DestinationStatus } from './lifecycle';
import { destinationMessages } from './messages';
import { DestinationRow } from './destination-row';

const pageSize = 20;

export const DestinationsQuery = graphql(`
  query Destinations($filter: DestinationFilter, $first: Int, $last: Int, $after: String, $before: String) {
    destinations(filter: $filter, orderBy: INSERTED_AT_DESC, first: $first, last: $last, after: $after, before: $before) {
      nodes { id databaseId name status statusChangedAt decommissionAllowedFrom }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const statuses: readonly DestinationStatus[] = ['CREATED', 'ACTIVE', 'INACTIVE', 'DECOMMISSIONED'];

function CreateDestination({ onCreated }: { onCreated: (name: string) => void }) {
  const t = useMessages(destinationMessages);
  const token = useToken();
  const denied = useDenial(destinationsAccess.create);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<{ message: string; code?: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await apiFetch('/v1/destinations', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      onCreated(name);
      setName('');
    } catch (error) {
      if (error instanceof ApiProblem) setProblem({ message: error.message, ...(error.problem.code ? { code: error.problem.code } : {}) });
      else throw error;
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="create-destination">
      <h2 id="create-destination">{t('createTitle')}</h2>
      <div className="field">
        <label htmlFor="destination-name">{t('nameLabel')}</label>
        <input id="destination-name" value={name} maxLength={255} required onChange={(event) => setName(event.target.value)}
          aria-invalid={problem ? true : undefined} aria-describedby={problem ? 'destination-name-error' : undefined} />
        {problem ? <span id="destination-name-error" className="field-error" role="alert">{problem.message}</span> : null}
      </div>
      <button type="submit" disabled={busy || denied !== null} aria-describedby={denied ? 'create-destination-denied' : undefined}>{t('createButton')}</button>
      {denied ? <p id="create-destination-denied" className="unavailable">{denied}</p> : null}
    </form>
  );
}

export default function DestinationsPage() {
  const t = useMessages(destinationMessages);
  const { dateTime } = useFormatters();
  const keyset = useKeyset(pageSize);
  const [status, setStatus] = useState<DestinationStatus | ''>('');
  const [notice, setNotice] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: DestinationsQuery,
    variables: { ...keyset.variables, filter: status ? { status } : null },
  });
  const problem = graphqlProblem(error);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const nodes = (data?.destinations.nodes ?? []).filter((n) => n !== null);

  return (
    <>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <CreateDestination onCreated={(name) => { setNotice(t('created', { name })); keyset.reset(); reload(); }} />
      <p role="status" className="notice">{notice}</p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="destination-status-filter">{t('filterLabel')}</label>
          <select id="destination-status-filter" value={status} onChange={(event) => { setStatus(event.target.value as DestinationStatus | ''); keyset.reset(); }}>
            <option value="">{t('filterAll')}</option>
            {statuses.map((s) => <option key={s} value={s}>{t(`status${s}` as const)}</option>)}
          </select>
        </div>
      </div>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <table aria-busy={fetching}>
        <caption>{t('listCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colName')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colSince')}</th>
            <th scope="col">{t('colDecommission')}</th>
            <th scope="col">{t('colActions')}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((d) => <DestinationRow key={d.id} destination={d} formatDate={dateTime} onChanged={(message) => { setNotice(message); reload(); }} />)}
          {data && nodes.length === 0 ? <tr><td colSpan={5}>{t('none')}</td></tr> : null}
        </tbody>
      </table>
      <Pager {...keyset.pager(data?.destinations.pageInfo)} />
    </>
  );
}
